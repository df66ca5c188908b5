package logs

import (
	"fmt"

	"github.com/portolan/portolan/internal/awsapi"
)

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
	switch {
	case *limit < 1:
		return 0, validationError(fmt.Sprintf("Value '%d' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", *limit))
	case int(*limit) > max:
		return 0, validationError(fmt.Sprintf("Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to %d", *limit, max))
	}
	return int(*limit), nil
}
