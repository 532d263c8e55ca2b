package web

import (
	"net/http"
	"strings"

	"github.com/seatdesk/seatdesk/models"
)

// SCIM discovery (RFC 7644 §4, RFC 7643 §5–7): what this server supports,
// its resource types and their schemas. Only what works is announced.

// attr describes one attribute of a schema.
func attr(name, typ string, multi, required, caseExact bool, mutability, uniqueness string, subs ...map[string]any) map[string]any {
	a := map[string]any{"name": name, "type": typ, "multiValued": multi, "description": name, "required": required,
		"caseExact": caseExact, "mutability": mutability, "returned": "default", "uniqueness": uniqueness}
	if len(subs) > 0 {
		a["subAttributes"] = subs
	}
	return a
}

func str(name string, required bool, mutability string) map[string]any {
	return attr(name, "string", false, required, false, mutability, "none")
}

func (s *Server) scimSchemas() []map[string]any {
	ref := func(name string) map[string]any {
		return attr(name, "string", false, false, false, "immutable", "none")
	}
	user := map[string]any{
		"id": scimUserSchema, "name": "User", "description": "A member of the organization",
		"attributes": []any{
			attr("userName", "string", false, true, false, "readWrite", "server"),
			attr("name", "complex", false, false, false, "readWrite", "none",
				str("formatted", false, "readWrite"), str("givenName", false, "readWrite"), str("familyName", false, "readWrite")),
			str("displayName", false, "readWrite"),
			attr("emails", "complex", true, false, false, "readWrite", "none",
				str("value", false, "readWrite"), str("type", false, "readWrite"), attr("primary", "boolean", false, false, false, "readWrite", "none")),
			attr("active", "boolean", false, false, false, "readWrite", "none"),
			attr("groups", "complex", true, false, false, "readOnly", "none", ref("value"), ref("display"), ref("$ref")),
		},
	}
	group := map[string]any{
		"id": scimGroupSchema, "name": "Group", "description": "An identity-provider group",
		"attributes": []any{
			attr("displayName", "string", false, true, false, "readWrite", "server"),
			attr("members", "complex", true, false, false, "readWrite", "none", str("value", false, "immutable"), ref("display"), ref("$ref")),
		},
	}
	seat := map[string]any{
		"id": scimSeatSchema, "name": "Seat", "description": "The member's seat in Seatdesk (read-only)",
		"attributes": []any{
			str("seatType", false, "readOnly"),
			str("seatStatus", false, "readOnly"),
			str("waitingFor", false, "readOnly"),
		},
	}
	out := []map[string]any{user, group, seat}
	for _, sc := range out {
		sc["schemas"] = []string{"urn:ietf:params:scim:schemas:core:2.0:Schema"}
		sc["meta"] = map[string]any{"resourceType": "Schema", "location": s.scimBase() + "/Schemas/" + sc["id"].(string)}
	}
	return out
}

func (s *Server) scimResourceTypes() []map[string]any {
	return []map[string]any{
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"}, "id": "User", "name": "User",
			"endpoint": "/Users", "description": "Members", "schema": scimUserSchema,
			"schemaExtensions": []any{map[string]any{"schema": scimSeatSchema, "required": false}},
			"meta":             map[string]any{"resourceType": "ResourceType", "location": s.scimBase() + "/ResourceTypes/User"}},
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"}, "id": "Group", "name": "Group",
			"endpoint": "/Groups", "description": "Groups", "schema": scimGroupSchema,
			"meta": map[string]any{"resourceType": "ResourceType", "location": s.scimBase() + "/ResourceTypes/Group"}},
	}
}

// SCIMServiceProviderConfig announces what works: PATCH, filters (with
// maxResults), sorting; no bulk, no password change, no ETags.
func (s *Server) SCIMServiceProviderConfig(w http.ResponseWriter, r *http.Request) error {
	return s.scimJSON(w, http.StatusOK, map[string]any{
		"schemas":          []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"documentationUri": s.baseURL + "/",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": models.SCIMMaxResults},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": true},
		"etag":             map[string]any{"supported": false},
		"authenticationSchemes": []any{map[string]any{"type": "oauthbearertoken", "name": "Bearer token",
			"description": "A SCIM token created in Organization settings › Organization › Provisioning", "primary": true}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": s.scimBase() + "/ServiceProviderConfig"},
	})
}

func listOf[T any](items []T) map[string]any {
	return map[string]any{"schemas": []string{scimListSchema}, "totalResults": len(items), "startIndex": 1,
		"itemsPerPage": len(items), "Resources": items}
}

// SCIMResourceTypes lists User and Group.
func (s *Server) SCIMResourceTypes(w http.ResponseWriter, r *http.Request) error {
	return s.scimJSON(w, http.StatusOK, listOf(s.scimResourceTypes()))
}

// SCIMResourceType is one resource type by id.
func (s *Server) SCIMResourceType(w http.ResponseWriter, r *http.Request) error {
	for _, rt := range s.scimResourceTypes() {
		if strings.EqualFold(rt["id"].(string), r.PathValue("id")) {
			return s.scimJSON(w, http.StatusOK, rt)
		}
	}
	return models.ErrNotFound
}

// SCIMSchemas lists the schemas.
func (s *Server) SCIMSchemas(w http.ResponseWriter, r *http.Request) error {
	return s.scimJSON(w, http.StatusOK, listOf(s.scimSchemas()))
}

// SCIMSchema is one schema by URN.
func (s *Server) SCIMSchema(w http.ResponseWriter, r *http.Request) error {
	for _, sc := range s.scimSchemas() {
		if strings.EqualFold(sc["id"].(string), r.PathValue("id")) {
			return s.scimJSON(w, http.StatusOK, sc)
		}
	}
	return models.ErrNotFound
}
