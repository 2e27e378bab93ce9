package snapshot

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sampleRecord(name string) *Record {
	resp, _ := decodeJSON([]byte(`{"Response":{"Error":{"Code":"InvalidInstanceId.Malformed","Message":"ins-1122: \"bad\" <id>"},"RequestId":"<request-1>"}}`))
	desc, _ := decodeJSON([]byte(`{"Response":{"InstanceSet":[{"InstanceId":"$running1","CPU":"<number>","Count":3}],"RequestId":"<request-2>"}}`))
	return &Record{Scenario: name, Title: "a title: with a colon", Source: "seed §6", Target: "http://127.0.0.1:1 (x)", Region: "ap-guangzhou",
		Recorded: time.Date(2026, 3, 4, 10, 21, 7, 0, time.UTC), Tool: "cvmconform 0.1.0", Roles: "$running1=RUNNING", Normalise: "defaults",
		Steps: []StepRecord{
			{Name: "malformed: ins-1122", Request: `StopInstances {"InstanceIds":["ins-1122"]} (tc3)`, Response: resp},
			{Name: "describe", Request: `DescribeInstances {"InstanceIds":["$running1"]} (tc3)`, Response: desc},
		}}
}

func TestRecordRoundTrip(t *testing.T) {
	t.Parallel()
	r := sampleRecord("seed-errors")
	var b bytes.Buffer
	if _, err := r.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{magic + "\n", "# scenario: seed-errors\n", "\n--- step 2: describe\n> DescribeInstances", `"Message": "ins-1122: \"bad\" <id>"`, `"Count": 3`} {
		if !strings.Contains(text, want) {
			t.Errorf("the record lacks %q:\n%s", want, text)
		}
	}
	got, err := ReadRecord(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("round trip mismatch (-wrote +read):\n%s", diff)
	}
	var again bytes.Buffer
	if _, err := got.WriteTo(&again); err != nil || again.String() != text {
		t.Errorf("the text is not stable: %v\n%s", err, again.String())
	}
}

func TestReadRecordErrors(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if _, err := sampleRecord("x").WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	good := b.String()
	tests := []struct {
		name, text, want string
	}{
		{"not a record", "hello\n", "not a cvmconform snapshot record"},
		{"unknown header", strings.Replace(good, "# region:", "# colour:", 1), `unknown header "colour"`},
		{"steps out of order", strings.Replace(good, "--- step 2:", "--- step 3:", 1), `want "--- step 2: NAME"`},
		{"no request line", strings.Replace(good, "> DescribeInstances", "DescribeInstances", 1), `want "> REQUEST"`},
		{"broken JSON", strings.Replace(good, `"Count": 3`, `"Count": `, 1), "step 2 (describe): the answer is not JSON"},
		{"no scenario", strings.Replace(good, "# scenario: x\n", "", 1), "names no scenario"},
	}
	for _, tc := range tests {
		_, err := ReadRecord(strings.NewReader(tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v; want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestWriteDirReadDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "records")
	recs := []*Record{sampleRecord("b-scenario"), sampleRecord("a-scenario")}
	if err := WriteDir(dir, recs); err != nil {
		t.Fatal(err)
	}
	got, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Scenario != "a-scenario" || got[1].Scenario != "b-scenario" {
		t.Fatalf("ReadDir = %v; want both records, sorted", got)
	}
	if drifts := Compare(recs, got); drifts != nil {
		t.Errorf("a record read back differs: %v", drifts)
	}
	// A file named after another scenario is refused: records are found
	// by name.
	if err := os.Rename(filepath.Join(dir, "a-scenario.txt"), filepath.Join(dir, "c.txt")); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDir(dir); err == nil || !strings.Contains(err.Error(), "must be named a-scenario.txt") {
		t.Errorf("got %v; want a misnamed record refused", err)
	}
	if _, err := ReadDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "holds no record") {
		t.Errorf("an empty directory: got %v", err)
	}
	if _, err := ReadDir(filepath.Join(dir, "nope")); err == nil {
		t.Error("a missing directory is an error")
	}
}
