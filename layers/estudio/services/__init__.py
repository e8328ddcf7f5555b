"""The application layer: what the HTTP API, the drop folder, ``estudio serve`` and the CLI do,
apart from HTTP. One module per resource; every function takes the caller's tenant."""
