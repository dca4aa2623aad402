package verifier

// Reason exposes the reason of a Verify outcome.
var Reason = reason
