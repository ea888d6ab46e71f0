"""Every body the API takes or gives, as pydantic models: they make the OpenAPI document.

One module per router (`users`, `agreements`, `consent`, `notices`, `custody`, `compromise`,
`visits`, `peer`), each request body a `base.Body`: unknown fields are refused, values are not
coerced, text and lists are bounded. A body that does not fit is answered 422 naming the fields
(`gsomia.api.errors`); what only the treaty can judge (a marking, a partner) the node decides.
"""
