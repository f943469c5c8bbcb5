"""Non-TMF HTTP endpoints: health, process catalog, admin."""
