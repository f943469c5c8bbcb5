"""TMF620 product catalog: catalogs, categories, specifications, offerings and prices."""
