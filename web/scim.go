package web

// SCIM 2.0 (RFC 7643, RFC 7644): the identity provider's way in.

const (
	scimContentType = "application/scim+json"
	scimErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"
)

// scimError is a SCIM Error response (RFC 7644 §3.12).
type scimError struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
}
