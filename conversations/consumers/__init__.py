"""Channels consumers: the chat widget's socket and the staff live feed."""

from channels.db import database_sync_to_async


def db(func):
    """Run ``func`` (database work) in a worker thread. Not Channels' default single thread for
    every consumer of the process: one shopper's slow call would hold up all the others'. Each
    thread takes its own connection from the pool and gives it back after the call."""
    return database_sync_to_async(func, thread_sensitive=False)
