// Package tcapi speaks the TencentCloud API 3.0 wire protocol in both
// directions, with the standard library only.
//
// The client side builds signed requests in the four styles the API
// accepts (facts sheet §1): [StyleTC3JSON] (the SDK default: POST
// application/json, TC3-HMAC-SHA256), [StyleTC3Get] (GET, action parameters
// in the query, TC3), [StyleV1Get] (GET, everything in the query, HmacSHA1
// or HmacSHA256) and [StyleV1PostForm] (form POST, v1). [NewRequest] turns a
// [Call] and a [Credential] into an *http.Request.
//
// The server side reads a request back into the model's pre-validation
// [model.Request]: [Decode] never fails and never panics; every problem
// (unsupported content type, malformed body, missing or wrong signature,
// unknown key, bad token) becomes a fact on the result, for the model to
// judge. Keys come from a [KeyStore] such as [KeyMap]; size limits from
// [Limits] ([DefaultLimits], and [Limits.ReadLimit] for how much body to
// read).
//
// The signing pieces are exported so tests and transcripts can show them:
// [HashedPayload], [CanonicalRequestTC3], [SignedHeadersTC3],
// [CredentialScopeTC3], [StringToSignTC3], [TC3Signature],
// [AuthorizationTC3], [V1StringToSign] and [V1Signature].
//
// The response envelope (facts §5) is written by [WriteSuccess] and
// [WriteError] and read by [ParseResponse]; failures are [APIError]
// values; [NewRequestID] makes the lower-case UUIDv4 request IDs.
//
// Secrets: a [Credential] or [Key] never prints its SecretKey or Token
// through fmt, log/slog or encoding/json, and no error this package returns
// contains one.
package tcapi
