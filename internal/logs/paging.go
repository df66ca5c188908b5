package logs

import "github.com/portolan/portolan/internal/awsapi"

// DescribeLogGroups and DescribeLogStreams page while they filter what the
// store lists (and streams may run in descending order), so they do not fit
// awsapi.Paginate's one sorted slice; they share its token format: the last
// name returned, so resuming "after it" stays right when groups or streams
// come and go. decodeNameToken refuses an empty token too: NextToken ""
// names no item.
func decodeNameToken(tok string) (string, error) {
	name, ok := awsapi.PageTokenKey(tok)
	if !ok || name == "" {
		return "", errBadToken
	}
	return name, nil
}

// checkLimit answers with the limit it was given in the message, as AWS's
// validation errors do, which a Pager's fixed BadSize cannot.
func checkLimit(limit *int32, max int) (int, error) {
	if limit == nil {
		return max, nil
	}
	if *limit < 1 || int(*limit) > max {
		return 0, invalidParam("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and %d", *limit, max)
	}
	return int(*limit), nil
}
