package logs

import "encoding/base64"

// Paging tokens for the Describe operations carry the last name returned:
// resuming "after it" stays right when groups or streams come and go.
func encodeNameToken(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decodeNameToken(tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) == 0 {
		return "", errBadToken
	}
	return string(b), nil
}

func checkLimit(limit *int32, max int) (int, error) {
	if limit == nil {
		return max, nil
	}
	if *limit < 1 || int(*limit) > max {
		return 0, invalidParam("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and %d", *limit, max)
	}
	return int(*limit), nil
}
