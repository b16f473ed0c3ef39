package cli

import (
	"fmt"

	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/render"
)

// Refuse is what plan returns after printing a plan that policy denies: a
// line on stderr and exit status 1.
func (f *Factory) Refuse(p *plan.Plan) error {
	if v := render.PolicyVerdict(p.Policy); v != "" {
		fmt.Fprintln(f.IO.ErrOut, "Error: "+v+" See the Policy section above.")
		return Exit(ExitError)
	}
	return nil
}
