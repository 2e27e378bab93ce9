// Package passive judges traffic the suite did not send: recordings of
// other clients' exchanges with a target (VCR cassettes, HAR files, the
// transcript of a run) and, live, the exchanges a reverse proxy forwards.
// Every StopInstances, StartInstances and DescribeInstances exchange is
// judged by the pipeline a run judges its own with (runner.Judging), with
// partial knowledge; requests of other actions are listed as not judged,
// and the instances they name forgotten.
//
// The files, one concern each:
//
//   - exchange.go: [Exchange] and [Recording], the common ordered list every
//     format is read into, and [Read], which detects the format by content;
//   - cassette.go: vcrpy and go-vcr (v1, v2, v3/v4) cassettes;
//   - har.go: HAR 1.2;
//   - transcript.go: the transcript format of `cvmconform run --transcript`
//     ([WriteTranscript]) and its reader;
//   - redact.go: masking secrets in what is written;
//   - request.go: how a recorded request becomes the model's request and a
//     recorded answer its outcome;
//   - judge.go: [Judge], the replay through the judging pipeline with
//     partial knowledge (runner.NewPartialJudging), and what only traffic
//     needs: exchanges that overlap in time; rate.go: the rate-limit
//     timeline; render.go: findings in context;
//   - report.go: [Report], the report.Run the console, JSON and JUnit
//     reporters render, of kind report.KindRecorded or report.KindProxy;
//   - proxy.go: [Proxy], the http.Handler that forwards and judges;
//     resign.go: verifying and signing again for another host.
//
// Partial knowledge. A recording starts part-way through a history and
// leaves things out, so the judge widens where a run would know. The
// pipeline with partial knowledge (runner.NewPartialJudging) does all but
// the rate limit and the order of overlapping exchanges, the judge's own:
//
//   - an instance first named in a stop or start, not shown by a
//     DescribeInstances, may be in any state or not exist (model.Unseen);
//     its zone, charge type and disks are learnt from its first
//     observation;
//   - a signature cannot be verified without the secret key, so unless the
//     key is given the authentication rules accept whatever the target
//     answered (see [Config.Keys]);
//   - recorders scrub what carries credentials or the time (TC3's
//     Authorization, X-TC-Timestamp, X-TC-Token and X-TC-RequestClient;
//     v1's Signature, Timestamp, Nonce and SecretId), so in a cassette or
//     HAR file what is absent is unknown, never missing: the request may
//     have carried it, fresh or expired, right or wrong, and the rules that
//     need it accept whatever the target answered;
//   - the rate limit is judged from the timeline only (model.CheckRate),
//     only when the recording has times, and only for being too loose (a
//     recording may lack the account's other clients' requests, so it
//     cannot show a refusal premature);
//   - an action the model does not judge may have changed every instance
//     its request names (any state, or gone): the judge forgets them, and
//     meets them again as if for the first time;
//   - exchanges that overlap in time may have been served in either order:
//     a finding that depends on their order is withheld, and the instances
//     concerned are forgotten until they are seen again.
//
// Nothing here prints, reads flags or the environment: cmd/cvmconform
// does.
package passive
