package awsapi

import (
	"bytes"
	"compress/gzip"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// TestCBORToQuery: a CBOR input flattens into the awsQuery form of the
// same input, which DecodeQuery reads as it reads the CLI's.
func TestCBORToQuery(t *testing.T) {
	body := cbor.Encode(cbor.Map{
		"Namespace": cbor.String("App"),
		"MetricData": cbor.List{cbor.Map{
			"MetricName": cbor.String("Depth"),
			"Timestamp":  &cbor.Tag{ID: 1, Value: cbor.Float64(1000.5)},
			"Value":      cbor.Float64(-4.25),
			"Dimensions": cbor.List{cbor.Map{"Name": cbor.String("Q"), "Value": cbor.String("jobs")}},
		}},
		"Period":  cbor.Uint(60),
		"Delta":   cbor.NegInt(3),
		"Enabled": cbor.Bool(true),
		"Empty":   cbor.List{},
		"Absent":  &cbor.Nil{},
	})
	got, err := CBORToQuery(body)
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"Namespace": {"App"}, "MetricData.member.1.MetricName": {"Depth"}, "MetricData.member.1.Timestamp": {"1970-01-01T00:16:40.5Z"},
		"MetricData.member.1.Value": {"-4.25"}, "MetricData.member.1.Dimensions.member.1.Name": {"Q"}, "MetricData.member.1.Dimensions.member.1.Value": {"jobs"},
		"Period": {"60"}, "Delta": {"-3"}, "Enabled": {"true"}, "Empty": {""}}
	if got.Encode() != want.Encode() {
		t.Errorf("CBORToQuery =\n%s\nwant\n%s", got.Encode(), want.Encode())
	}
	for _, bad := range [][]byte{{0xff}, cbor.Encode(cbor.List{}), cbor.Encode(cbor.Map{"T": &cbor.Tag{ID: 1, Value: cbor.String("x")}})} {
		if _, err := CBORToQuery(bad); err == nil {
			t.Errorf("CBORToQuery(%x): no error", bad)
		}
	}
}

// TestToCBOR: outputs go back as the SDKs read them, timestamps as tag 1
// and unset members left out.
func TestToCBOR(t *testing.T) {
	type out struct {
		Label  string
		Empty  string
		Count  int
		Neg    int
		When   time.Time
		Values []float64
		Nil    *int
	}
	v := toCBOR(reflectValue(&out{Label: "x", Count: 2, Neg: -5, When: time.Unix(10, 0), Values: []float64{1.5}}))
	got, err := cbor.Decode(cbor.Encode(v))
	if err != nil {
		t.Fatal(err)
	}
	m := got.(cbor.Map)
	if len(m) != 5 || m["Label"] != cbor.String("x") || m["Count"] != cbor.Uint(2) || m["Neg"] != cbor.NegInt(5) {
		t.Errorf("toCBOR = %#v", m)
	}
	if when, err := cbor.AsTime(m["When"]); err != nil || !when.Equal(time.Unix(10, 0)) {
		t.Errorf("When = %#v (%v)", m["When"], err)
	}
}

// TestDecodeContent: a gzip body is read decoded; a corrupt one is an
// error; other encodings pass through.
func TestDecodeContent(t *testing.T) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte("Action=ListMetrics"))
	zw.Close()
	if got, err := decodeContent("gzip", b.Bytes()); err != nil || string(got) != "Action=ListMetrics" {
		t.Errorf("gzip: %q, %v", got, err)
	}
	if _, err := decodeContent("gzip", []byte("plain")); err == nil {
		t.Error("corrupt gzip: no error")
	}
	if got, err := decodeContent("aws-chunked", []byte("x")); err != nil || string(got) != "x" {
		t.Errorf("aws-chunked: %q, %v", got, err)
	}
}

// FuzzCBORToQuery: no input makes the CBOR flattener panic or loop.
func FuzzCBORToQuery(f *testing.F) {
	f.Add(cbor.Encode(cbor.Map{"Namespace": cbor.String("App"), "MetricData": cbor.List{cbor.Map{"Value": cbor.Float64(1)}}}))
	f.Add(cbor.Encode(cbor.Map{"StartTime": &cbor.Tag{ID: 1, Value: cbor.Uint(1)}, "Period": cbor.Uint(60)}))
	f.Add([]byte{0xbf, 0x61, 0x41, 0x9f, 0x01, 0xff, 0xff}) // indefinite map and list
	f.Fuzz(func(t *testing.T, b []byte) {
		params, err := CBORToQuery(b)
		if err == nil && params == nil {
			t.Fatal("nil params without an error")
		}
	})
}

func reflectValue(v any) reflect.Value { return reflect.ValueOf(v) }

// TestJSONToQuery: a JSON input flattens as a CBOR one does.
func TestJSONToQuery(t *testing.T) {
	got, err := JSONToQuery([]byte(`{"Namespace":"App","MetricData":[{"MetricName":"D","Value":1.5,"Timestamp":1000.5,"Dimensions":[]}],"Flag":false,"Nothing":null}`))
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"Namespace": {"App"}, "MetricData.member.1.MetricName": {"D"}, "MetricData.member.1.Value": {"1.5"},
		"MetricData.member.1.Timestamp": {"1000.5"}, "MetricData.member.1.Dimensions": {""}, "Flag": {"false"}}
	if got.Encode() != want.Encode() {
		t.Errorf("JSONToQuery =\n%s\nwant\n%s", got.Encode(), want.Encode())
	}
	for _, bad := range []string{`[1]`, `{"a":`, `"x"`} {
		if _, err := JSONToQuery([]byte(bad)); err == nil {
			t.Errorf("JSONToQuery(%s): no error", bad)
		}
	}
}

// FuzzJSONToQuery: no input makes the JSON flattener panic.
func FuzzJSONToQuery(f *testing.F) {
	f.Add([]byte(`{"Namespace":"App","MetricData":[{"Value":1}]}`))
	f.Add([]byte(`{"a":{"b":[[1,2],{"c":null}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if params, err := JSONToQuery(b); err == nil && params == nil {
			t.Fatal("nil params without an error")
		}
	})
}
