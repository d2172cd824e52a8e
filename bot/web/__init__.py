"""The web console: the enforcement queue and reports in a browser, on the same core services.

A front door like bot/handlers: each page parses the request, builds the Actor from the
session (roles looked up at every request), calls a service and renders its typed result. No
SQL and no permission rule lives here. See :mod:`.app` for the security headers and
:mod:`.session` for signing in.
"""
