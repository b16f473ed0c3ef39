package doctorcmd

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/idpsync/idpsync/doctor"
	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/plan/render"
)

// show writes r in format. Every string it prints is idpsync's own, a
// permission name, a contract field name, or a label from the files (safe).
func show(w io.Writer, r *doctor.Report, format render.Format) error {
	switch format {
	case renderJSON:
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", sanitize.JSON(b))
		return err
	case renderMarkdown:
		return markdown(w, r)
	default:
		return text(w, r)
	}
}

const (
	renderJSON     = render.FormatJSON
	renderMarkdown = render.FormatMarkdown
)

var statusWord = map[doctor.Status]string{
	doctor.StatusOK:                "ok",
	doctor.StatusWarning:           "warning",
	doctor.StatusMissingPermission: "MISSING PERMISSION",
	doctor.StatusKeyRequired:       "NEEDS GLOBAL KEY",
	doctor.StatusPageRefused:       "PAGE SIZE REFUSED",
	doctor.StatusFailed:            "FAILED",
	doctor.StatusInfo:              "info",
}

func credentialLines(r *doctor.Report) []string {
	c := r.Credentials
	uses := func(scheme string) string {
		var fams []string
		for f, s := range c.Uses {
			if s == scheme {
				fams = append(fams, string(f))
			}
		}
		slices.Sort(fams)
		if len(fams) == 0 {
			return "used for nothing (the other credential serves every family)"
		}
		return "used for " + strings.Join(fams, ", ")
	}
	var out []string
	if c.Token {
		out = append(out, "API token (from "+c.TokenSource+"): found, "+uses("token"))
	} else {
		out = append(out, "API token: not found (CLOUDFLARE_API_TOKEN or --api-token-file)")
	}
	if c.Key {
		out = append(out, "Global API key (CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY): found, "+uses("api_key"))
	} else {
		out = append(out, "Global API key (CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY): not found; the share endpoints document it as their only credential")
	}
	return out
}

// writes lists what idpsync's writes will need, each need once with the
// families that need it.
func writes(r *doctor.Report) []string {
	fams := map[string][]string{}
	var needs []string
	for _, o := range r.Owners {
		for _, c := range o.Checks {
			if c.Write == "" || slices.Contains(fams[c.Write], string(c.Family)) {
				continue
			}
			if fams[c.Write] == nil {
				needs = append(needs, c.Write)
			}
			fams[c.Write] = append(fams[c.Write], string(c.Family))
		}
	}
	var out []string
	for _, n := range needs {
		out = append(out, n+" ("+strings.Join(fams[n], ", ")+")")
	}
	return out
}

// writesNote: doctor cannot see a token's write permissions without writing.
const writesNote = "doctor sends no write, so it cannot tell whether a token holds a Write permission"

// shapes is the paste-able report: one block per endpoint and status.
func shapes(r *doctor.Report) []string {
	seen := map[string]bool{}
	var out []string
	var listing []doctor.Check
	if r.AccountListing != nil {
		listing = append(listing, *r.AccountListing)
	}
	for _, o := range append(r.Owners, doctor.OwnerReport{Checks: listing}) {
		for _, c := range o.Checks {
			for _, d := range c.Shape {
				// A shape difference's path is made of the answer's own
				// keys, and a content type is the server's: sanitised.
				line := sanitize.Text(fmt.Sprintf("%s -> %d  %s", c.Endpoint, c.HTTPStatus, d))
				if !seen[line] {
					seen[line] = true
					out = append(out, line)
				}
			}
		}
	}
	return out
}

func rateLine(rl doctor.RateLimit) string {
	s := fmt.Sprintf("doctor sent %d requests; idpsync keeps to %s of its own", rl.Used, rl.Budget)
	if !rl.Seen {
		return s + "; the API sent no rate-limit headers"
	}
	s += fmt.Sprintf("; the API's headers said %d left", rl.Remaining)
	if rl.Quota > 0 {
		s += fmt.Sprintf(" of %d per %s", rl.Quota, rl.Window)
	}
	return s + fmt.Sprintf(", the window resetting in %s", rl.Reset.Round(time.Second))
}

func verdict(r *doctor.Report) string {
	if r.OK {
		return "idpsync can read everything it needs."
	}
	n := len(r.Failed())
	return fmt.Sprintf("%d read(s) idpsync needs failed; see above for the permission or credential to add.", n)
}

func text(w io.Writer, r *doctor.Report) error {
	var b strings.Builder
	b.WriteString("Credentials\n")
	for _, l := range credentialLines(r) {
		b.WriteString("  " + l + "\n")
	}
	for _, o := range r.Owners {
		b.WriteString("\n" + ownerName(o) + "\n")
		for _, c := range o.Checks {
			textCheck(&b, c)
		}
	}
	if c := r.AccountListing; c != nil {
		b.WriteString("\nAll accounts\n")
		textCheck(&b, *c)
	}
	if ws := writes(r); len(ws) > 0 {
		b.WriteString("\nWrites (apply) will need\n")
		for _, l := range ws {
			b.WriteString("  " + l + "\n")
		}
		b.WriteString("  (" + writesNote + ")\n")
	}
	if sh := shapes(r); len(sh) > 0 {
		b.WriteString("\nAnswers that differ from idpsync's API contract (paths and field names only; paste into an issue)\n")
		for _, l := range sh {
			b.WriteString("  " + l + "\n")
		}
	} else {
		b.WriteString("\nEvery answer has the shape of idpsync's API contract.\n")
	}
	b.WriteString("\nRate limit: " + rateLine(r.RateLimit) + "\n")
	b.WriteString("\n" + verdict(r) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func textCheck(b *strings.Builder, c doctor.Check) {
	fmt.Fprintf(b, "  %-18s %-20s %s (%s", statusWord[c.Status], c.Family, c.Endpoint, c.Credential)
	if c.HTTPStatus != 0 {
		fmt.Fprintf(b, ", HTTP %d", c.HTTPStatus)
	}
	for _, code := range c.Codes {
		fmt.Fprintf(b, ", code %d", code)
	}
	b.WriteString(")\n")
	if c.Missing != "" {
		b.WriteString("      missing: " + c.Missing + "\n")
	}
	if c.Detail != "" {
		b.WriteString("      " + c.Detail + "\n")
	}
}

func markdown(w io.Writer, r *doctor.Report) error {
	var b strings.Builder
	b.WriteString("## idpsync doctor\n\n")
	for _, l := range credentialLines(r) {
		b.WriteString("- " + l + "\n")
	}
	const head = "| | Family | Endpoint | Credential | HTTP | Missing / detail |\n|---|---|---|---|---|---|\n"
	for _, o := range r.Owners {
		b.WriteString("\n### " + ownerName(o) + "\n\n" + head)
		for _, c := range o.Checks {
			markdownCheck(&b, c)
		}
	}
	if c := r.AccountListing; c != nil {
		b.WriteString("\n### All accounts\n\n" + head)
		markdownCheck(&b, *c)
	}
	if ws := writes(r); len(ws) > 0 {
		b.WriteString("\n**Writes (apply) will need** (" + writesNote + ")\n\n")
		for _, l := range ws {
			b.WriteString("- " + l + "\n")
		}
	}
	if sh := shapes(r); len(sh) > 0 {
		b.WriteString("\n**Answers that differ from idpsync's API contract** (paths and field names only)\n\n```\n")
		for _, l := range sh {
			b.WriteString(l + "\n")
		}
		b.WriteString("```\n")
	}
	b.WriteString("\n" + rateLine(r.RateLimit) + "\n\n**" + verdict(r) + "**\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func markdownCheck(b *strings.Builder, c doctor.Check) {
	icon := "❌"
	switch c.Status {
	case doctor.StatusOK:
		icon = "✅"
	case doctor.StatusWarning:
		icon = "⚠️"
	case doctor.StatusInfo:
		icon = "ℹ️"
	}
	detail := c.Detail
	if c.Missing != "" {
		detail = "**" + c.Missing + "**: " + detail
	}
	fmt.Fprintf(b, "| %s | %s | `%s` | %s | %d | %s |\n", icon, c.Family, c.Endpoint, c.Credential, c.HTTPStatus, strings.ReplaceAll(detail, "|", "/"))
}
