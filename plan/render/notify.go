package render

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/idpsync/idpsync/plan"
)

// notifyMaxItems bounds the items a notification lists; the report has the rest.
const notifyMaxItems = 20

// DriftNotification is the small JSON summary drift --notify posts: a text
// field that Slack's incoming webhooks show as the message, and the same facts
// as data. It carries addresses, categories, actors and times only: nothing
// the files or the environment hold, and no configuration value.
func DriftNotification(r *plan.DriftReport) ([]byte, error) {
	if r == nil {
		return nil, errNil
	}
	type item struct {
		Address  string `json:"address"`
		Category string `json:"category"`
		Actor    string `json:"actor,omitempty"`
		Time     string `json:"time,omitempty"`
		Accepted bool   `json:"accepted,omitempty"`
	}
	out := struct {
		Text    string         `json:"text"`
		Drifted bool           `json:"drifted"`
		Counts  map[string]int `json:"counts"`
		Items   []item         `json:"items"`
		More    int            `json:"more,omitempty"`
	}{Drifted: r.Drifted, Counts: map[string]int{}, Items: []item{}}
	var b strings.Builder
	b.WriteString("idpsync drift: " + DriftLine(r))
	for i := range r.Items {
		it := &r.Items[i]
		if it.Category == plan.DriftUnverifiable {
			continue
		}
		out.Counts[string(it.CountsAs())]++
		if len(out.Items) == notifyMaxItems {
			out.More++
			continue
		}
		x := item{Address: clean(it.Address), Category: string(it.Category), Accepted: it.Accepted != nil}
		line := "\n• " + x.Address + ": " + x.Category
		if a := it.Attribution; a != nil {
			x.Actor, x.Time = clean(a.Actor), a.Time.UTC().Format("2006-01-02T15:04:05Z")
			line += " (" + clean(attributionLine(a)) + ")"
		}
		if x.Accepted {
			line += " [accepted]"
		}
		out.Items = append(out.Items, x)
		b.WriteString(line)
	}
	if out.More > 0 {
		b.WriteString("\n… and " + strconv.Itoa(out.More) + " more")
	}
	out.Text = b.String()
	return json.Marshal(out)
}
