"""Built-in plugins: each subpackage is one entry point in the ``gaikit`` group."""
