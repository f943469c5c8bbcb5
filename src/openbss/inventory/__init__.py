"""TMF637 Product Inventory: the products each customer owns (eTOM 1.3.16)."""
