"""The demo spa: a seeded shop to explore Packbook without a Shopify store (`flask demo`, `./scripts/run`)."""
