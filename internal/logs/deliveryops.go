package logs

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// getJSON reads the record at key into v, answering missing when absent
// (with missing nil, an absent record is a zero KV and no error).
func (s *Control) getJSON(ctx context.Context, key string, v any, missing error) (store.KV, error) {
	if strings.HasSuffix(key, "/") {
		// The name or id was left out: a validation error, as AWS checks
		// the request before it looks anything up.
		return store.KV{}, ErrValidation.Newf("1 validation error detected: a required name or id is missing")
	}
	kv, err := s.cfg.Store.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return kv, missing
	} else if err != nil {
		return kv, err
	}
	return kv, json.Unmarshal(kv.Value, v)
}

// GetDeliverySource returns a delivery source.
func (s *Control) GetDeliverySource(ctx context.Context, in *NameRef) (*struct {
	DeliverySource DeliverySource `json:"deliverySource"`
}, error) {
	var rec sourceRecord
	if _, err := s.getJSON(ctx, deliverySourceKey(in.Name), &rec, errDeliverySourceNotFound); err != nil {
		return nil, err
	}
	return &struct {
		DeliverySource DeliverySource `json:"deliverySource"`
	}{rec.DeliverySource}, nil
}

// DescribeDeliverySources lists delivery sources by name.
func (s *Control) DescribeDeliverySources(ctx context.Context, in *DescribeDeliveriesInput) (*struct {
	DeliverySources []DeliverySource `json:"deliverySources"`
	NextToken       string           `json:"nextToken,omitempty"`
}, error) {
	recs, next, err := listRecords[sourceRecord](ctx, s, deliverySourcesPrefix, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &struct {
		DeliverySources []DeliverySource `json:"deliverySources"`
		NextToken       string           `json:"nextToken,omitempty"`
	}{DeliverySources: make([]DeliverySource, len(recs)), NextToken: next}
	for i, r := range recs {
		out.DeliverySources[i] = r.DeliverySource
	}
	return out, nil
}

// DeleteDeliverySource deletes a delivery source no delivery uses.
func (s *Control) DeleteDeliverySource(ctx context.Context, in *NameRef) (*struct{}, error) {
	for {
		var rec sourceRecord
		kv, err := s.getJSON(ctx, deliverySourceKey(in.Name), &rec, errDeliverySourceNotFound)
		if err != nil {
			return nil, err
		}
		if len(rec.Deliveries) > 0 {
			return nil, ErrConflict.Newf("Delivery source %s is used by delivery %s", in.Name, rec.Deliveries[0])
		}
		_, err = s.cfg.Store.Commit(ctx, store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}})
		if !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
	}
}

// GetDeliveryDestination returns a delivery destination.
func (s *Control) GetDeliveryDestination(ctx context.Context, in *NameRef) (*struct {
	DeliveryDestination DeliveryDestination `json:"deliveryDestination"`
}, error) {
	var rec destinationRecord
	if _, err := s.getJSON(ctx, deliveryDestinationKey(in.Name), &rec, errDeliveryDestinationNotFound); err != nil {
		return nil, err
	}
	return &struct {
		DeliveryDestination DeliveryDestination `json:"deliveryDestination"`
	}{rec.DeliveryDestination}, nil
}

// DescribeDeliveryDestinations lists delivery destinations by name.
func (s *Control) DescribeDeliveryDestinations(ctx context.Context, in *DescribeDeliveriesInput) (*struct {
	DeliveryDestinations []DeliveryDestination `json:"deliveryDestinations"`
	NextToken            string                `json:"nextToken,omitempty"`
}, error) {
	recs, next, err := listRecords[destinationRecord](ctx, s, deliveryDestinationsPrefix, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &struct {
		DeliveryDestinations []DeliveryDestination `json:"deliveryDestinations"`
		NextToken            string                `json:"nextToken,omitempty"`
	}{DeliveryDestinations: make([]DeliveryDestination, len(recs)), NextToken: next}
	for i, r := range recs {
		out.DeliveryDestinations[i] = r.DeliveryDestination
	}
	return out, nil
}

// DeleteDeliveryDestination deletes a delivery destination no delivery
// uses.
func (s *Control) DeleteDeliveryDestination(ctx context.Context, in *NameRef) (*struct{}, error) {
	return nil, s.editDestination(ctx, in.Name, func(rec *destinationRecord) (bool, error) {
		if len(rec.Deliveries) > 0 {
			return false, ErrConflict.Newf("Delivery destination %s is used by delivery %s", in.Name, rec.Deliveries[0])
		}
		return true, nil
	})
}

// editDestination changes a destination record in one compare-and-swap;
// edit reports whether to delete it instead.
func (s *Control) editDestination(ctx context.Context, name string, edit func(*destinationRecord) (bool, error)) error {
	for {
		var rec destinationRecord
		kv, err := s.getJSON(ctx, deliveryDestinationKey(name), &rec, errDeliveryDestinationNotFound)
		if err != nil {
			return err
		}
		del, err := edit(&rec)
		if err != nil {
			return err
		}
		op := store.Put(kv.Key, store.JSON(rec))
		if del {
			op = store.Delete(kv.Key)
		}
		_, err = s.cfg.Store.Commit(ctx, store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{op}})
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
}

// PutDeliveryDestinationPolicy sets a destination's policy.
func (s *Control) PutDeliveryDestinationPolicy(ctx context.Context, in *DeliveryDestinationPolicyInput) (*Policy, error) {
	if err := checkPolicyDocument("deliveryDestinationPolicy", in.DeliveryDestinationPolicy); err != nil {
		return nil, err
	}
	err := s.editDestination(ctx, in.DeliveryDestinationName, func(rec *destinationRecord) (bool, error) {
		rec.Policy = in.DeliveryDestinationPolicy
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	var out Policy
	out.Policy.DeliveryDestinationPolicy = in.DeliveryDestinationPolicy
	return &out, nil
}

// GetDeliveryDestinationPolicy returns a destination's policy.
func (s *Control) GetDeliveryDestinationPolicy(ctx context.Context, in *DeliveryDestinationPolicyInput) (*Policy, error) {
	var rec destinationRecord
	if _, err := s.getJSON(ctx, deliveryDestinationKey(in.DeliveryDestinationName), &rec, errDeliveryDestinationNotFound); err != nil {
		return nil, err
	}
	var out Policy
	out.Policy.DeliveryDestinationPolicy = rec.Policy
	return &out, nil
}

// DeleteDeliveryDestinationPolicy removes a destination's policy.
func (s *Control) DeleteDeliveryDestinationPolicy(ctx context.Context, in *DeliveryDestinationPolicyInput) (*struct{}, error) {
	return nil, s.editDestination(ctx, in.DeliveryDestinationName, func(rec *destinationRecord) (bool, error) {
		if rec.Policy == "" {
			return false, ErrResourceNotFound.Newf("Delivery destination policy not found")
		}
		rec.Policy = ""
		return false, nil
	})
}

// CreateDelivery joins a source to a destination. The delivery, the
// source and the destination are written in one transaction, so that
// neither end can be deleted under a new delivery.
func (s *Control) CreateDelivery(ctx context.Context, in *CreateDeliveryInput) (*struct {
	Delivery Delivery `json:"delivery"`
}, error) {
	if err := checkDeliveryName("deliverySourceName", in.DeliverySourceName); err != nil {
		return nil, err
	}
	dest, ok := awsapi.ParseARN(in.DeliveryDestinationArn)
	name, isDest := strings.CutPrefix(dest.Resource, "delivery-destination:")
	if !ok || !isDest || dest.Service != "logs" {
		return nil, ErrValidation.Newf("Invalid delivery destination ARN %s", in.DeliveryDestinationArn)
	}
	for {
		var src sourceRecord
		skv, err := s.getJSON(ctx, deliverySourceKey(in.DeliverySourceName), &src, errDeliverySourceNotFound)
		if err != nil {
			return nil, err
		}
		var dst destinationRecord
		dkv, err := s.getJSON(ctx, deliveryDestinationKey(name), &dst, errDeliveryDestinationNotFound)
		if err != nil {
			return nil, err
		}
		if dst.Arn != in.DeliveryDestinationArn {
			return nil, errDeliveryDestinationNotFound
		}
		for _, id := range src.Deliveries {
			if slices.Contains(dst.Deliveries, id) {
				return nil, ErrConflict.Newf("A delivery from %s to %s already exists: %s", in.DeliverySourceName, name, id)
			}
		}
		id := awsapi.RandomID(16)
		d := Delivery{Arn: s.deliveryARN("delivery", id), DeliveryDestinationArn: dst.Arn, DeliveryDestinationType: dst.DeliveryDestinationType,
			DeliverySourceName: src.Name, FieldDelimiter: in.FieldDelimiter, Id: id, RecordFields: in.RecordFields, Tags: in.Tags}
		src.Deliveries, dst.Deliveries = append(src.Deliveries, id), append(dst.Deliveries, id)
		_, err = s.cfg.Store.Commit(ctx, store.Txn{
			If:   []store.Cmp{store.Unchanged(skv), store.Unchanged(dkv), store.Absent(deliveryKey(id))},
			Then: []store.Op{store.Put(skv.Key, store.JSON(src)), store.Put(dkv.Key, store.JSON(dst)), store.Put(deliveryKey(id), store.JSON(d))},
		})
		if !errors.Is(err, store.ErrConflict) {
			if err != nil {
				return nil, err
			}
			return &struct {
				Delivery Delivery `json:"delivery"`
			}{d}, nil
		}
	}
}

// GetDelivery returns a delivery.
func (s *Control) GetDelivery(ctx context.Context, in *IDRef) (*struct {
	Delivery Delivery `json:"delivery"`
}, error) {
	var d Delivery
	if _, err := s.getJSON(ctx, deliveryKey(in.Id), &d, errDeliveryNotFound); err != nil {
		return nil, err
	}
	return &struct {
		Delivery Delivery `json:"delivery"`
	}{d}, nil
}

// DescribeDeliveries lists deliveries by id.
func (s *Control) DescribeDeliveries(ctx context.Context, in *DescribeDeliveriesInput) (*struct {
	Deliveries []Delivery `json:"deliveries"`
	NextToken  string     `json:"nextToken,omitempty"`
}, error) {
	items, next, err := listRecords[Delivery](ctx, s, deliveriesPrefix, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &struct {
		Deliveries []Delivery `json:"deliveries"`
		NextToken  string     `json:"nextToken,omitempty"`
	}{items, next}, nil
}

// UpdateDeliveryConfiguration changes a delivery's record fields or
// delimiter.
func (s *Control) UpdateDeliveryConfiguration(ctx context.Context, in *UpdateDeliveryConfigurationInput) (*struct{}, error) {
	for {
		var d Delivery
		kv, err := s.getJSON(ctx, deliveryKey(in.Id), &d, errDeliveryNotFound)
		if err != nil {
			return nil, err
		}
		if in.RecordFields != nil {
			d.RecordFields = in.RecordFields
		}
		if in.FieldDelimiter != nil {
			d.FieldDelimiter = *in.FieldDelimiter
		}
		_, err = s.cfg.Store.Commit(ctx, store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(d))}})
		if !errors.Is(err, store.ErrConflict) {
			if err != nil {
				return nil, err
			}
			return &struct{}{}, nil // the SDK reads a JSON object
		}
	}
}

// DeleteDelivery deletes a delivery and frees its source and destination.
func (s *Control) DeleteDelivery(ctx context.Context, in *IDRef) (*struct{}, error) {
	for {
		var d Delivery
		kv, err := s.getJSON(ctx, deliveryKey(in.Id), &d, errDeliveryNotFound)
		if err != nil {
			return nil, err
		}
		txn := store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}
		var src sourceRecord
		skv, err := s.getJSON(ctx, deliverySourceKey(d.DeliverySourceName), &src, nil)
		if err != nil {
			return nil, err
		}
		if skv.Key != "" {
			src.Deliveries = slices.DeleteFunc(src.Deliveries, func(id string) bool { return id == d.Id })
			txn.If, txn.Then = append(txn.If, store.Unchanged(skv)), append(txn.Then, store.Put(skv.Key, store.JSON(src)))
		}
		var dst destinationRecord
		name := d.DeliveryDestinationArn[strings.LastIndexByte(d.DeliveryDestinationArn, ':')+1:]
		dkv, err := s.getJSON(ctx, deliveryDestinationKey(name), &dst, nil)
		if err != nil {
			return nil, err
		}
		if dkv.Key != "" {
			dst.Deliveries = slices.DeleteFunc(dst.Deliveries, func(id string) bool { return id == d.Id })
			txn.If, txn.Then = append(txn.If, store.Unchanged(dkv)), append(txn.Then, store.Put(dkv.Key, store.JSON(dst)))
		}
		_, err = s.cfg.Store.Commit(ctx, txn)
		if !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
	}
}
