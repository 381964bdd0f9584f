"""Shopify webhooks: the receiver that stores each delivery, the rq jobs that handle them, and the queue."""
