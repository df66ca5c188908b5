package logs

import (
	"context"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

// Subscription filters are stored and listed as AWS stores them, in their
// group's record. Portolan runs no Kinesis, Firehose or Lambda to deliver
// to, so nothing is delivered (docs/compat.md says so); a destination of
// this service must exist.

// maxSubscriptionFilters is AWS's quota per log group.
const maxSubscriptionFilters = 2

// PutSubscriptionFilterInput is PutSubscriptionFilter's request.
type PutSubscriptionFilterInput struct {
	LogGroupName           string   `json:"logGroupName"`
	FilterName             string   `json:"filterName"`
	FilterPattern          *string  `json:"filterPattern"`
	DestinationArn         string   `json:"destinationArn"`
	RoleArn                string   `json:"roleArn"`
	Distribution           string   `json:"distribution"`
	ApplyOnTransformedLogs bool     `json:"applyOnTransformedLogs"`
	FieldSelectionCriteria string   `json:"fieldSelectionCriteria"`
	EmitSystemFields       []string `json:"emitSystemFields"`
}

// SubscriptionFilter is a subscription filter as stored and as
// DescribeSubscriptionFilters reports it.
type SubscriptionFilter struct {
	FilterName             string   `json:"filterName"`
	LogGroupName           string   `json:"logGroupName"`
	FilterPattern          string   `json:"filterPattern"`
	DestinationArn         string   `json:"destinationArn"`
	RoleArn                string   `json:"roleArn,omitempty"`
	Distribution           string   `json:"distribution"`
	ApplyOnTransformedLogs bool     `json:"applyOnTransformedLogs"`
	FieldSelectionCriteria string   `json:"fieldSelectionCriteria,omitempty"`
	EmitSystemFields       []string `json:"emitSystemFields,omitempty"`
	CreationTime           int64    `json:"creationTime"`
}

// DescribeSubscriptionFiltersInput is DescribeSubscriptionFilters' request.
type DescribeSubscriptionFiltersInput struct {
	LogGroupName     string  `json:"logGroupName"`
	FilterNamePrefix *string `json:"filterNamePrefix"`
	NextToken        *string `json:"nextToken"`
	Limit            *int32  `json:"limit"`
}

// DescribeSubscriptionFiltersOutput is a page of DescribeSubscriptionFilters.
type DescribeSubscriptionFiltersOutput struct {
	SubscriptionFilters []SubscriptionFilter `json:"subscriptionFilters"`
	NextToken           string               `json:"nextToken,omitempty"`
}

// PutSubscriptionFilter creates or replaces a subscription filter of a log
// group (AWS PutSubscriptionFilter).
func (s *Control) PutSubscriptionFilter(ctx context.Context, in *PutSubscriptionFilterInput) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	if err := checkFilterName(in.FilterName); err != nil {
		return nil, err
	}
	if _, err := checkFilterPattern(in.FilterPattern); err != nil {
		return nil, err
	}
	switch in.Distribution {
	case "":
		in.Distribution = "ByLogStream"
	case "ByLogStream", "Random":
	default:
		return nil, invalidParam("1 validation error detected: Value '%s' at 'distribution' failed to satisfy constraint: Member must satisfy enum value set: [Random, ByLogStream]", in.Distribution)
	}
	if err := s.checkDestinationARN(ctx, in.DestinationArn); err != nil {
		return nil, err
	}
	f := SubscriptionFilter{
		FilterName: in.FilterName, LogGroupName: in.LogGroupName, FilterPattern: *in.FilterPattern,
		DestinationArn: in.DestinationArn, RoleArn: in.RoleArn, Distribution: in.Distribution,
		ApplyOnTransformedLogs: in.ApplyOnTransformedLogs, FieldSelectionCriteria: in.FieldSelectionCriteria,
		EmitSystemFields: in.EmitSystemFields, CreationTime: nowMillis(),
	}
	return nil, s.updateGroup(ctx, in.LogGroupName, func(g *groupRecord) (err error) {
		g.SubscriptionFilters, err = putFilter(g.SubscriptionFilters, f, SubscriptionFilter.name, maxSubscriptionFilters)
		return err
	})
}

func (f SubscriptionFilter) name() string { return f.FilterName }

// checkDestinationARN accepts the destinations AWS delivers to: a Kinesis
// or Firehose stream, a Lambda function, or a destination of this service,
// which must exist.
func (s *Control) checkDestinationARN(ctx context.Context, arn string) error {
	if arn == "" {
		return invalidParam("1 validation error detected: Value null at 'destinationArn' failed to satisfy constraint: Member must not be null")
	}
	a, ok := awsapi.ParseARN(arn)
	if !ok {
		return invalidParam("Invalid destinationArn: %s", arn)
	}
	switch {
	case a.Service == "kinesis" || a.Service == "firehose" || a.Service == "lambda":
		return nil
	case a.Service == "logs" && strings.HasPrefix(a.Resource, "destination:"):
		_, err := s.destination(ctx, strings.TrimPrefix(a.Resource, "destination:"))
		return err
	}
	return invalidParam("Invalid destinationArn: %s (a Kinesis or Firehose stream, a Lambda function, or a CloudWatch Logs destination)", arn)
}

// DeleteSubscriptionFilter deletes a subscription filter (AWS
// DeleteSubscriptionFilter).
func (s *Control) DeleteSubscriptionFilter(ctx context.Context, in *FilterRef) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	if err := checkFilterName(in.FilterName); err != nil {
		return nil, err
	}
	return nil, s.updateGroup(ctx, in.LogGroupName, func(g *groupRecord) (err error) {
		g.SubscriptionFilters, err = deleteFilter(g.SubscriptionFilters, in.FilterName, SubscriptionFilter.name, errSubscriptionFilterNotFound)
		return err
	})
}

// DescribeSubscriptionFilters lists a group's subscription filters by name
// (AWS DescribeSubscriptionFilters).
func (s *Control) DescribeSubscriptionFilters(ctx context.Context, in *DescribeSubscriptionFiltersInput) (*DescribeSubscriptionFiltersOutput, error) {
	limit, err := checkLimit(in.Limit, describeLimit)
	if err != nil {
		return nil, err
	}
	after := ""
	if in.NextToken != nil {
		if after, err = decodeNameToken(*in.NextToken); err != nil {
			return nil, err
		}
	}
	groups, err := s.groupsFor(ctx, &in.LogGroupName)
	if err != nil {
		return nil, err
	}
	out := &DescribeSubscriptionFiltersOutput{SubscriptionFilters: []SubscriptionFilter{}}
	for _, f := range groups[0].SubscriptionFilters {
		if (after != "" && f.FilterName <= after) || (in.FilterNamePrefix != nil && !strings.HasPrefix(f.FilterName, *in.FilterNamePrefix)) {
			continue
		}
		if len(out.SubscriptionFilters) == limit {
			out.NextToken = awsapi.PageToken(out.SubscriptionFilters[limit-1].FilterName)
			break
		}
		out.SubscriptionFilters = append(out.SubscriptionFilters, f)
	}
	return out, nil
}
