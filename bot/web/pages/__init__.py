"""The console's pages, one module each: its routes and handlers."""
