"""Built-in plugins: each subpackage (or module) is one entry point in the ``gaikit`` group, loaded like a third party's."""
