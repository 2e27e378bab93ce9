package report

import _ "embed"

// schema is the JSON Schema (draft 2020-12) of the JSON report at
// [SchemaVersion]; report.schema.json beside this file.
//
//go:embed report.schema.json
var schema []byte

// Schema returns the JSON Schema (draft 2020-12) of the [JSON] report:
// every key with its type, and no other (additionalProperties is false
// throughout, so that a key added to the report without the schema fails
// its test). `cvmconform schema` prints it; CI can validate a report with
// any 2020-12 validator.
func Schema() []byte { return append([]byte(nil), schema...) }
