package passive

import (
	"fmt"
	"strings"

	"github.com/cvmconform/cvmconform/runner"
)

// contextSteps is how many earlier exchanges of the instances concerned a
// finding shows.
const contextSteps = 8

// context renders a finding in its history: the earlier exchanges that
// named or listed an instance it concerns (the last contextSteps), then
// the exchange that showed it, the model's expectation and the finding,
// then the violations behind it. For example:
//
//	#3 > StopInstances {"InstanceIds":["ins-r8hr2upy"]} (POST json TC3, ap-guangzhou)
//	   < success (RequestId 5d2…)
//	#4 > DescribeInstances {"InstanceIds":["ins-r8hr2upy"]} (POST json TC3, ap-guangzhou)
//	   < success (RequestId 9a1…)
//	     lists ins-r8hr2upy STOPPING (StopInstances OPERATING 0c7…)
//	   model: success
//	   ✗ OBSERVED-STATE: ins-r8hr2upy: expected …; got … [clause]
func (j *Judge) context(e *entry, fd runner.Found) string {
	var prior []*entry
	for _, h := range j.history {
		if h != e && h.judged && len(intersect(h.ids, fd.Instances)) > 0 {
			prior = append(prior, h)
		}
	}
	var b strings.Builder
	if len(prior) > contextSteps {
		fmt.Fprintf(&b, "… %d earlier exchanges of %s\n", len(prior)-contextSteps, strings.Join(fd.Instances, ", "))
		prior = prior[len(prior)-contextSteps:]
	}
	for _, h := range prior {
		b.WriteString(step(h, fd.Instances))
	}
	b.WriteString(step(e, fd.Instances))
	b.WriteString("   model: " + e.expect + "\n")
	b.WriteString("   ✗ " + oneLine(fd.Finding) + "\n")
	if fd.Detail != "" {
		b.WriteString("model:\n" + fd.Detail + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// step renders one exchange: the request, the answer and, for a
// DescribeInstances, what it showed of the instances ids.
func step(h *entry, ids []string) string {
	s := fmt.Sprintf("#%d > %s", h.x.Index, h.summary)
	if h.x.Check != "" {
		s += " [sent by " + h.x.Check + "]"
	}
	s += "\n   < " + h.answer + "\n"
	for _, id := range ids {
		if v, ok := h.views[id]; ok {
			s += "     lists " + v.String() + "\n"
		}
	}
	return s
}
