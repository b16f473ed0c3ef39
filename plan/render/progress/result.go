package progress

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/plan"
)

// What an apply did, once it is over: the verdict, the certificates and SCIM
// secrets to hand to the external IdPs, the verification, and what blocks
// the run from ending well. Each writes what it is given and decides
// nothing: the command says which apply and where to.

// Result writes the executor's warnings to errOut and its verdict to out:
// complete, failed (with each failure), or interrupted.
func Result(out, errOut io.Writer, res *apply.Result) {
	for _, w := range res.Warnings {
		fmt.Fprintf(errOut, "Warning: %s\n", sanitize.Text(fmt.Sprint(w)))
	}
	s := res.Summary
	switch {
	case res.Interrupted:
		fmt.Fprintf(out, "\nApply interrupted: %d added, %d changed, %d destroyed; %d actions not started. Run apply again to finish.\n",
			s.Add, s.Change, s.Destroy, len(res.NotStarted))
	case len(res.Failed) > 0:
		fmt.Fprintf(out, "\nApply failed: %d added, %d changed, %d destroyed; %d failed, %d skipped.\n",
			s.Add, s.Change, s.Destroy, len(res.Failed), len(res.Skipped))
		for _, addr := range res.Failed {
			fmt.Fprintf(out, "  %s: %s\n", sanitize.Visible(addr), sanitize.Text(fmt.Sprint(res.Errors[addr])))
		}
	default:
		fmt.Fprintf(out, "\nApply complete: %d added, %d changed, %d destroyed.\n", s.Add, s.Change, s.Destroy)
	}
}

// Certificates lists the encryption certificates to hand to the external
// IdPs, and how to get each: the PEM (certs --out, or certOut, where the
// command wrote them) or the service-provider metadata the IdP's admin
// imports. quote joins a command's words as a shell reads them.
func Certificates(out io.Writer, res *apply.Result, certOut string, quote func([]string) string) {
	if len(res.CertificateSets) == 0 {
		return
	}
	fmt.Fprintln(out, "\nSAML encryption certificates to configure in the external IdPs:")
	for _, c := range res.CertificateSets {
		fmt.Fprintf(out, "  %s\n    SHA-256 %s\n    expires %s\n", sanitize.Visible(c.IdP), c.Fingerprint, c.NotAfter.UTC().Format(time.DateOnly))
		if c.AccountID != "" && c.IdPName != "" {
			fmt.Fprintf(out, "    get it: %s\n         or: %s\n",
				sanitize.Visible(quote([]string{"idpsync", "sp-metadata", "--account", c.AccountID, "--idp", c.IdPName})),
				sanitize.Visible(quote([]string{"idpsync", "certs", "--account", c.AccountID, "--out", "certs/"})))
		}
	}
	if certOut != "" {
		fmt.Fprintf(out, "  The PEM files are in %s.\n", sanitize.Visible(certOut))
	}
}

// SCIM says where each SCIM secret went and the base URL the external IdP
// pushes to, as text or (asJSON) one object per secret; never the secret.
func SCIM(out io.Writer, res *apply.Result, asJSON bool) {
	if len(res.SCIM) == 0 {
		return
	}
	if asJSON {
		for _, s := range res.SCIM {
			b, _ := json.Marshal(struct {
				Type    string `json:"type"`
				Address string `json:"address"`
				File    string `json:"file"`
				BaseURL string `json:"scim_base_url"`
				Rotated bool   `json:"rotated,omitempty"`
			}{"scim_secret", s.IdP, s.Where, s.BaseURL, s.Rotated})
			fmt.Fprintf(out, "%s\n", sanitize.JSON(b))
		}
		return
	}
	fmt.Fprintln(out, "\nSCIM provisioning to configure in the external IdPs (the secret is in the file, and shown nowhere else):")
	for _, s := range res.SCIM {
		fmt.Fprintf(out, "  %s\n    SCIM base URL %s\n    secret written to %s\n", sanitize.Visible(s.IdP), sanitize.Visible(s.BaseURL), sanitize.Visible(s.Where))
	}
}

// Verified reports the plan of what still differs after an apply
// (engine.Verify) and returns whether anything does: the changes left go to
// errOut; otherwise out says live state matches, with the share
// transitions still pending unless the apply waited for them.
func Verified(out, errOut io.Writer, p *plan.Plan, waited bool) (differs bool) {
	if p.HasChanges() {
		fmt.Fprintln(errOut, "\nWarning: live state still differs from the declared state after apply:")
		overlapped := false
		for _, a := range p.Actions {
			if a.Action != plan.NoOp {
				fmt.Fprintf(errOut, "  %s: %s\n", sanitize.Visible(a.Address), a.Action)
				overlapped = overlapped || a.Reason == plan.ReasonDuplicate
			}
		}
		if overlapped {
			// Seen in what verify reads anyway: no request is added for it.
			fmt.Fprintln(errOut, "Another run changed these accounts at the same time and left copies; run apply again to remove them.")
		}
		return true
	}
	fmt.Fprintln(out, "\nVerified: live state matches the declared state.")
	if len(p.Pending) > 0 && !waited {
		n := len(p.Pending)
		fmt.Fprintf(out, "%d share %s still pending; %s on %s own (use --wait to wait for %s).\n",
			n, plural(n, "transition is", "transitions are"), plural(n, "it finishes", "they finish"), plural(n, "its", "their"), plural(n, "it", "them"))
	}
	return false
}

// Stale lists the objects that changed since a saved plan was made.
func Stale(errOut io.Writer, moved []plan.Read) {
	fmt.Fprintln(errOut, "Error: the saved plan is stale; these objects changed since it was made:")
	for _, r := range moved {
		fmt.Fprintf(errOut, "  %s (%s)\n", sanitize.Visible(r.Address), sanitize.Visible(r.ID))
	}
	fmt.Fprintln(errOut, "Nothing was changed. Run plan again and review the new plan.")
}

// Undelivered says which IdPs' SCIM secrets were handed out and never
// delivered, with the command that delivers a new one: on errOut, and
// also as JSON objects on out (asJSON). It reports whether there were any.
func Undelivered(out, errOut io.Writer, p *plan.Plan, asJSON bool) bool {
	if !p.HasUndeliveredSCIM() {
		return false
	}
	if asJSON {
		for _, u := range p.UndeliveredSCIM {
			b, _ := json.Marshal(struct {
				Type    string `json:"type"`
				Address string `json:"address"`
				Command string `json:"command,omitempty"`
			}{"scim_secret_undelivered", u.Address, u.Command})
			fmt.Fprintf(out, "%s\n", sanitize.JSON(b))
		}
	}
	fmt.Fprintln(errOut, "\nError: SCIM secrets were handed out and never delivered; nobody holds them:")
	for _, u := range p.UndeliveredSCIM {
		fmt.Fprintf(errOut, "  %s\n    deliver a new one with: %s\n", sanitize.Visible(u.Address), sanitize.Visible(u.Command))
	}
	return true
}

// Pending says, on the view's error stream, how many share transitions an
// apply still waits for, once each time the number changes.
func (v *View) Pending(pending []apply.Pending) {
	v.mu.Lock()
	defer v.mu.Unlock()
	line := fmt.Sprintf("Waiting for %d share %s...", len(pending), plural(len(pending), "transition", "transitions"))
	if line != v.lastPending {
		fmt.Fprintln(v.o.Err, line)
		v.lastPending = line
	}
}
