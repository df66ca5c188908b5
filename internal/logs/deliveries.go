package logs

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// The delivery family (vended logs): a delivery source names a resource
// and a log type, a delivery destination where logs go, a delivery joins
// them. They are stored and reported as AWS does, with its conflicts and
// errors; no resource of Portolan's vends logs through them yet, so
// nothing flows (docs/compat.md). Destinations other than a log group
// (S3, Firehose, X-Ray) are refused: Portolan has none of those services.

// ErrConflict and ErrValidation are the delivery operations' own codes:
// they answer ValidationException where the older operations answer
// InvalidParameterException.
var (
	ErrConflict   = awsapi.Kind("ConflictException", 400)
	ErrValidation = awsapi.Kind("ValidationException", 400)
)

// DeliverySource is a resource whose logs can be delivered.
type DeliverySource struct {
	Arn          string            `json:"arn"`
	LogType      string            `json:"logType"`
	Name         string            `json:"name"`
	ResourceArns []string          `json:"resourceArns"`
	Service      string            `json:"service"`
	Status       string            `json:"status,omitempty"`
	Tags         map[string]string `json:"tags,omitempty"`
}

// DeliveryDestinationConfiguration says where a destination delivers.
type DeliveryDestinationConfiguration struct {
	DestinationResourceArn string `json:"destinationResourceArn"`
}

// DeliveryDestination is where deliveries send logs.
type DeliveryDestination struct {
	Arn                              string                            `json:"arn"`
	DeliveryDestinationConfiguration *DeliveryDestinationConfiguration `json:"deliveryDestinationConfiguration,omitempty"`
	DeliveryDestinationType          string                            `json:"deliveryDestinationType"`
	Name                             string                            `json:"name"`
	OutputFormat                     string                            `json:"outputFormat,omitempty"`
	Tags                             map[string]string                 `json:"tags,omitempty"`
}

// sourceRecord and destinationRecord are what the store holds: the
// resource, the deliveries that use it (kept in the record, so that a
// deletion and a new delivery cannot both succeed) and a destination's
// policy, which the API reports apart.
type sourceRecord struct {
	DeliverySource
	Deliveries []string `json:"deliveries,omitempty"`
}

type destinationRecord struct {
	DeliveryDestination
	Policy     string   `json:"policy,omitempty"`
	Deliveries []string `json:"deliveries,omitempty"`
}

// Delivery connects a source to a destination.
type Delivery struct {
	Arn                     string            `json:"arn"`
	DeliveryDestinationArn  string            `json:"deliveryDestinationArn"`
	DeliveryDestinationType string            `json:"deliveryDestinationType"`
	DeliverySourceName      string            `json:"deliverySourceName"`
	FieldDelimiter          string            `json:"fieldDelimiter,omitempty"`
	Id                      string            `json:"id"`
	RecordFields            []string          `json:"recordFields,omitempty"`
	Tags                    map[string]string `json:"tags,omitempty"`
}

type PutDeliverySourceInput struct {
	Name        string            `json:"name"`
	ResourceArn string            `json:"resourceArn"`
	LogType     string            `json:"logType"`
	Tags        map[string]string `json:"tags"`
}

type PutDeliveryDestinationInput struct {
	Name                             string                            `json:"name"`
	DeliveryDestinationConfiguration *DeliveryDestinationConfiguration `json:"deliveryDestinationConfiguration"`
	DeliveryDestinationType          string                            `json:"deliveryDestinationType"`
	OutputFormat                     string                            `json:"outputFormat"`
	Tags                             map[string]string                 `json:"tags"`
}

type CreateDeliveryInput struct {
	DeliverySourceName     string            `json:"deliverySourceName"`
	DeliveryDestinationArn string            `json:"deliveryDestinationArn"`
	FieldDelimiter         string            `json:"fieldDelimiter"`
	RecordFields           []string          `json:"recordFields"`
	Tags                   map[string]string `json:"tags"`
}

type UpdateDeliveryConfigurationInput struct {
	Id             string   `json:"id"`
	FieldDelimiter *string  `json:"fieldDelimiter"`
	RecordFields   []string `json:"recordFields"`
}

// NameRef names a delivery source or destination; IDRef a delivery.
type NameRef struct {
	Name string `json:"name"`
}
type IDRef struct {
	Id string `json:"id"`
}

type DeliveryDestinationPolicyInput struct {
	DeliveryDestinationName   string `json:"deliveryDestinationName"`
	DeliveryDestinationPolicy string `json:"deliveryDestinationPolicy"`
}

// Policy is the answer of the destination policy operations.
type Policy struct {
	Policy struct {
		DeliveryDestinationPolicy string `json:"deliveryDestinationPolicy,omitempty"`
	} `json:"policy"`
}

type DescribeDeliveriesInput struct {
	NextToken *string `json:"nextToken"`
	Limit     *int32  `json:"limit"`
}

// deliveryNamePattern is the model's pattern for source and destination
// names: 1 to 60 word characters or hyphens.
var deliveryNamePattern = regexp.MustCompile(`^[\w-]{1,60}$`)

func checkDeliveryName(field, name string) error {
	if !deliveryNamePattern.MatchString(name) {
		return ErrValidation.Newf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]*, and have length between 1 and 60", name, field)
	}
	return nil
}

var (
	errDeliverySourceNotFound      = ErrResourceNotFound.Newf("Delivery source not found")
	errDeliveryDestinationNotFound = ErrResourceNotFound.Newf("Delivery destination not found")
	errDeliveryNotFound            = ErrResourceNotFound.Newf("Delivery not found")
)

// PutDeliverySource creates a delivery source or changes its resource.
func (s *Control) PutDeliverySource(ctx context.Context, in *PutDeliverySourceInput) (*struct {
	DeliverySource DeliverySource `json:"deliverySource"`
}, error) {
	if err := checkDeliveryName("name", in.Name); err != nil {
		return nil, err
	}
	arn, ok := awsapi.ParseARN(in.ResourceArn)
	if !ok {
		return nil, ErrValidation.Newf("Invalid resource ARN %s", in.ResourceArn)
	}
	if in.LogType == "" {
		return nil, ErrValidation.Newf("1 validation error detected: Value null at 'logType' failed to satisfy constraint: Member must not be null")
	}
	src := sourceRecord{DeliverySource: DeliverySource{Arn: s.deliveryARN("delivery-source", in.Name), LogType: in.LogType, Name: in.Name,
		ResourceArns: []string{in.ResourceArn}, Service: arn.Service, Status: "ACTIVE", Tags: in.Tags}}
	err := s.putRecord(ctx, deliverySourceKey(in.Name), &src, func(old []byte) error {
		var prev sourceRecord
		if err := json.Unmarshal(old, &prev); err != nil {
			return err
		}
		if prev.LogType != src.LogType || prev.Service != src.Service {
			return ErrConflict.Newf("A delivery source named %s already exists with another resource type or log type", in.Name)
		}
		src.Tags, src.Deliveries = cmpTags(prev.Tags, src.Tags), prev.Deliveries
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct {
		DeliverySource DeliverySource `json:"deliverySource"`
	}{src.DeliverySource}, nil
}

// PutDeliveryDestination creates a delivery destination or changes its
// output format; only a log group can be one here.
func (s *Control) PutDeliveryDestination(ctx context.Context, in *PutDeliveryDestinationInput) (*struct {
	DeliveryDestination DeliveryDestination `json:"deliveryDestination"`
}, error) {
	if err := checkDeliveryName("name", in.Name); err != nil {
		return nil, err
	}
	if in.DeliveryDestinationConfiguration == nil || in.DeliveryDestinationConfiguration.DestinationResourceArn == "" {
		return nil, ErrValidation.Newf("deliveryDestinationConfiguration.destinationResourceArn is required")
	}
	target, ok := awsapi.ParseARN(in.DeliveryDestinationConfiguration.DestinationResourceArn)
	if !ok {
		return nil, ErrValidation.Newf("Invalid destination resource ARN %s", in.DeliveryDestinationConfiguration.DestinationResourceArn)
	}
	if target.Service != "logs" || (in.DeliveryDestinationType != "" && in.DeliveryDestinationType != "CWL") {
		return nil, ErrValidation.Newf("Portolan delivers to CloudWatch Logs log groups only (CWL); %s destinations need a service it does not emulate", target.Service)
	}
	format := in.OutputFormat
	if format == "" {
		format = "json"
	}
	if !slices.Contains([]string{"json", "plain", "w3c", "raw"}, format) {
		return nil, ErrValidation.Newf("Output format %s is not supported for CWL destinations", format)
	}
	d := destinationRecord{DeliveryDestination: DeliveryDestination{Arn: s.deliveryARN("delivery-destination", in.Name),
		DeliveryDestinationConfiguration: in.DeliveryDestinationConfiguration, DeliveryDestinationType: "CWL", Name: in.Name, OutputFormat: format, Tags: in.Tags}}
	err := s.putRecord(ctx, deliveryDestinationKey(in.Name), &d, func(old []byte) error {
		var prev destinationRecord
		if err := json.Unmarshal(old, &prev); err != nil {
			return err
		}
		d.Policy, d.Deliveries, d.Tags = prev.Policy, prev.Deliveries, cmpTags(prev.Tags, d.Tags)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct {
		DeliveryDestination DeliveryDestination `json:"deliveryDestination"`
	}{d.DeliveryDestination}, nil
}

// cmpTags keeps a record's tags when a put gives none.
func cmpTags(prev, given map[string]string) map[string]string {
	if given == nil {
		return prev
	}
	return given
}

// putRecord creates key with v, or, when it exists, lets merge see the
// stored value (and refuse or adjust v) before replacing it.
func (s *Control) putRecord(ctx context.Context, key string, v any, merge func(old []byte) error) error {
	for {
		cmp := store.Absent(key)
		kv, err := s.cfg.Store.Get(ctx, key)
		switch {
		case err == nil:
			if err := merge(kv.Value); err != nil {
				return err
			}
			cmp = store.Unchanged(kv)
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		_, err = s.cfg.Store.Commit(ctx, store.Txn{If: []store.Cmp{cmp}, Then: []store.Op{store.Put(key, store.JSON(v))}})
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
}

func (s *Control) deliveryARN(kind, name string) string {
	return awsapi.ARN("logs", s.cfg.Region, s.cfg.AccountID, kind+":"+name)
}
