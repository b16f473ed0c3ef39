package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/plan"
)

// SCIM writes what `scim` found, as JSON or else as the terminal table. No
// SCIM secret is in it: the API never returns one after the first time.
func SCIM(w io.Writer, entries []plan.SCIMEntry, format Format) error {
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
	tw := tabwriter.NewWriter(certWriter{out}, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IDP\tSCIM\tBASE URL\tUSER DEPROVISION\tSEAT DEPROVISION\tIDENTITY UPDATE")
	for _, e := range entries {
		if !e.Enabled {
			fmt.Fprintf(tw, "%s\t-\t%s\t\t\t\n", clean(e.Address), clean(orDash(e.BaseURL)))
			continue
		}
		fmt.Fprintf(tw, "%s\ton\t%s\t%s\t%s\t%s\n", clean(e.Address), clean(orDash(e.BaseURL)), strconv.FormatBool(e.UserDeprovision), strconv.FormatBool(e.SeatDeprovision), clean(orDash(e.IdentityUpdateBehavior)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return out.flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
