package web

import (
	"net/http"

	"github.com/seatdesk/seatdesk/models"
)

// handlerFunc is a handler that returns its error to one adapter (respond.go).
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route is one row of THE route table: the pattern, the permission it needs
// and the handler. Nothing else registers URLs (but the static files).
type Route struct {
	Pattern    string
	Permission models.Permission
	handle     handlerFunc
}

func (s *Server) routes() []Route {
	return []Route{
		{"GET /{$}", models.SignedIn, s.OrgPicker},
		{"GET /healthz", models.Public, s.Health},
		{"GET /login", models.Public, s.LoginForm},
		{"POST /login", models.Public, s.Login},
		{"POST /logout", models.SignedIn, s.Logout},
		{"GET /orgs", models.SignedIn, s.OrgPicker},
		{"GET /orgs/{org}", models.OrgMember, s.OrgHome},
		{"GET /orgs/{org}/settings/organization", models.ViewOrganization, s.Organization},
		{"GET /orgs/{org}/settings/organization/members", models.ViewOrganization, s.MembersFragment},
		{"GET /orgs/{org}/settings/organization/members/{id}/row", models.ViewOrganization, s.MemberRow},
		{"POST /orgs/{org}/settings/organization/members/{id}/seat", models.AssignSeats, s.ChangeSeat},
		{"POST /orgs/{org}/settings/organization/members/{id}/buy-seat", models.ManageBilling, s.BuySeat},
		{"POST /orgs/{org}/settings/organization/members/{id}/role", models.GrantAdmin, s.ChangeRole},
		{"POST /orgs/{org}/settings/organization/members/{id}/remove", models.ManageMembers, s.RemoveMember},
		{"POST /orgs/{org}/settings/organization/members/{id}/transfer", models.TransferOwnership, s.TransferOwnership},
		{"GET /orgs/{org}/settings/organization/invitations", models.ViewOrganization, s.Invitations},
		{"GET /orgs/{org}/settings/organization/invite", models.ManageMembers, s.InviteForm},
		{"POST /orgs/{org}/settings/organization/invite", models.ManageMembers, s.Invite},
		{"POST /orgs/{org}/settings/organization/invite/buy", models.ManageBilling, s.BuyAndInvite},
		{"POST /orgs/{org}/settings/organization/invitations/{id}/resend", models.ManageMembers, s.ResendInvitation},
		{"POST /orgs/{org}/settings/organization/invitations/{id}/revoke", models.ManageMembers, s.RevokeInvitation},
		{"GET /invitations/{token}", models.Public, s.AcceptForm},
		{"POST /invitations/{token}", models.Public, s.Accept},
		{"GET /orgs/{org}/settings/billing", models.ViewBilling, s.Billing},
		{"GET /orgs/{org}/settings/billing/seats", models.ViewBilling, s.BillingSeats},
		{"GET /orgs/{org}/settings/billing/seats/{type}/edit", models.ManageBilling, s.EditSeats},
		{"POST /orgs/{org}/settings/billing/seats/{type}/review", models.ManageBilling, s.ReviewSeats},
		{"POST /orgs/{org}/settings/billing/seats/{type}/upgrade", models.ManageBilling, s.UpgradeSeats},
		{"POST /orgs/{org}/settings/billing/seats/{type}/reduction", models.ManageBilling, s.ScheduleReduction},
		{"POST /orgs/{org}/settings/billing/seats/{type}/reduction/cancel", models.ManageBilling, s.CancelReduction},
		{"POST /orgs/{org}/settings/billing/cancel", models.ManageBilling, s.CancelPlan},
		{"POST /orgs/{org}/settings/billing/resume", models.ManageBilling, s.ResumePlan},
		{"POST /orgs/{org}/settings/billing/extra-usage", models.ManageBilling, s.ExtraUsage},
		{"GET /orgs/{org}/settings/billing/invoices/{number}", models.ViewBilling, s.Invoice},
	}
}
