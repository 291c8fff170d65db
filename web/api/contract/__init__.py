"""The OpenAPI contract, one module per API area, kept apart from the views.

Each module defines ``PATHS`` (``{"/bulletins": {"get": {...}}}``, paths relative to /api/v1) and may
define ``SCHEMAS`` (components); ``web.api.openapi.API_MODULES`` lists them in document order.
Limits and enumerations come from the code that enforces them (service.MAX_TITLE, CATEGORY_CODES, ...),
so the contract cannot drift from the checks.
"""
