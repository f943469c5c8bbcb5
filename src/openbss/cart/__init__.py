"""TMF663 Shopping Cart: carts of product offerings, priced by the catalog, checked out into orders."""
