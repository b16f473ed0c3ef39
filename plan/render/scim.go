package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/plan"
)

// SCIMOptions tune the terminal table.
type SCIMOptions struct {
	// Wide shows every SCIM base URL whole, however wide the table grows
	// (--wide).
	Wide bool
	// Width is the most columns the table may take unless Wide; 0 means
	// CertsWidth, the width `certs` fits too.
	Width int
}

// SCIM writes what `scim` found, as JSON or else as the terminal table. No
// SCIM secret is in it: the API never returns one after the first time.
func SCIM(w io.Writer, entries []plan.SCIMEntry, format Format, opts SCIMOptions) error {
	if format == FormatJSON {
		if entries == nil {
			entries = []plan.SCIMEntry{}
		}
		b, err := json.Marshal(struct {
			IdentityProviders []plan.SCIMEntry `json:"identity_providers"`
		}{entries})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", sanitize.JSON(b))
		return err
	}
	out := newSink(w)
	if len(entries) == 0 {
		out.line("No identity providers.")
		return out.flush()
	}
	width := opts.Width
	if width <= 0 {
		width = CertsWidth
	}
	type row struct{ idp, scim, deprovision, update, url string }
	header := row{"IDP", "SCIM", "DEPROVISION", "IDENTITY UPDATE", "SCIM BASE URL"}
	rows := make([]row, 0, len(entries))
	for _, e := range entries {
		r := row{idp: clean(e.Address), scim: "-", deprovision: "-", update: "-", url: clean(orDash(e.BaseURL))}
		if e.Enabled {
			r.scim, r.deprovision, r.update = "on", scimDeprovision(e), clean(orDash(e.IdentityUpdateBehavior))
		}
		rows = append(rows, r)
	}
	cutAny := false
	if !opts.Wide {
		// The URL is what grows (a host per team, a path ending in the
		// IdP's id) and the last column, so it is the one cut, after its
		// scheme; the address names the row and is never cut.
		others := 4 * 2
		for _, col := range []func(row) string{
			func(r row) string { return r.idp },
			func(r row) string { return r.scim },
			func(r row) string { return r.deprovision },
			func(r row) string { return r.update },
		} {
			n := utf8.RuneCountInString(col(header))
			for _, r := range rows {
				n = max(n, utf8.RuneCountInString(col(r)))
			}
			others += n
		}
		room := max(width-others, len(header.url)+8)
		for i := range rows {
			u := strings.TrimPrefix(rows[i].url, "https://")
			cutAny = cutAny || utf8.RuneCountInString(u) > room
			rows[i].url = cut(u, room)
		}
	}
	tw := tabwriter.NewWriter(certWriter{out}, 0, 4, 2, ' ', 0)
	for _, r := range append([]row{header}, rows...) {
		// The last column is not followed by a tab: tabwriter would pad
		// it with trailing spaces.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.idp, r.scim, r.deprovision, r.update, r.url)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if cutAny {
		// A cut URL pasted into Okta or Entra fails far from here: say where
		// the whole one is.
		out.line()
		certNote(out, "SCIM base URLs are shortened to fit "+fmt.Sprint(width)+" columns; --wide or --output json shows them whole.", false, width)
	}
	return out.flush()
}

// scimDeprovision names the deprovisioning flags that are on, by the API's
// own field names (user_deprovision, seat_deprovision), or "-".
func scimDeprovision(e plan.SCIMEntry) string {
	var on []string
	if e.UserDeprovision {
		on = append(on, "user")
	}
	if e.SeatDeprovision {
		on = append(on, "seat")
	}
	if len(on) == 0 {
		return "-"
	}
	return strings.Join(on, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
