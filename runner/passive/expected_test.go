package passive_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/passive"
)

// expectedTranscript is a transcript of two exchanges: a stop of the
// seed's malformed ID, refused as the seed says, and an action the model
// does not judge.
var expectedTranscript = strings.Join([]string{
	`{"format":"cvmconform-transcript","version":1}`,
	`{"seq":1,"method":"POST","url":"http://127.0.0.1:8080/","host":"127.0.0.1:8080","headers":["Content-Type: application/json","X-TC-Action: StopInstances","X-TC-Version: 2017-03-12","X-TC-Region: ap-guangzhou","X-TC-Timestamp: 1764576000"],` +
		`"body":"{\"InstanceIds\":[\"ins-1122\"]}","auth":"ok","sent":"2025-12-01T08:00:00Z","received":"2025-12-01T08:00:00.01Z","status":200,` +
		`"response":"{\"Response\":{\"Error\":{\"Code\":\"InvalidInstanceId.Malformed\",\"Message\":\"m\"},\"RequestId\":\"r1\"}}"}`,
	`{"seq":2,"method":"POST","url":"http://127.0.0.1:8080/","host":"127.0.0.1:8080","headers":["Content-Type: application/json","X-TC-Action: RebootInstances","X-TC-Version: 2017-03-12","X-TC-Region: ap-guangzhou","X-TC-Timestamp: 1764576000"],` +
		`"body":"{\"InstanceIds\":[\"ins-r8hr2upy\"]}","auth":"ok","sent":"2025-12-01T08:00:01Z","received":"2025-12-01T08:00:01.01Z","status":200,` +
		`"response":"{\"Response\":{\"RequestId\":\"r2\"}}"}`,
}, "\n")

func TestJudgeExpected(t *testing.T) {
	t.Parallel()
	rec, err := passive.Read("t.jsonl", []byte(expectedTranscript))
	require.NoError(t, err)
	require.Len(t, rec.Exchanges, 2)
	j := passive.NewJudge(passive.Config{}, rec.Name, rec.Format, rec.Scrubbed)
	stop, reboot := rec.Exchanges[0], rec.Exchanges[1]
	require.Empty(t, j.Expected(stop), "not judged yet")
	require.Empty(t, j.Add(stop, nil))
	require.Contains(t, j.Expected(stop), "InvalidInstanceId.Malformed", "seed §6: what the model accepted of the stop")
	require.NotContains(t, j.Expected(stop), "success")
	require.Empty(t, j.Add(reboot, nil))
	require.Empty(t, j.Expected(reboot), "an action the model does not judge has no expectation")
	require.Len(t, j.Result().NotJudged, 1)
}
