"""Running the engine: configuration, logging, the Temporal connection, the worker, the dev server."""
