package awsapi

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

type queryTag struct{ Key, Value string }

type queryMatcher struct{ HttpCode *string }

type QueryShared struct{ Interval *int32 }

type queryInput struct {
	Name        string
	Port        *int32
	Enabled     *bool
	Subnets     []string
	Tags        []queryTag
	Matcher     *queryMatcher
	Attributes  map[string]string
	PageSize    int32
	Unmentioned []string
	QueryShared
}

func TestDecodeQuery(t *testing.T) {
	form := url.Values{
		"Action":                   {"CreateTargetGroup"},
		"Name":                     {"web"},
		"Port":                     {"8080"},
		"Enabled":                  {"true"},
		"Subnets.member.2":         {"subnet-b"},
		"Subnets.member.1":         {"subnet-a"},
		"Tags.member.1.Key":        {"env"},
		"Tags.member.1.Value":      {"dev"},
		"Tags.member.10.Key":       {"tenth"},
		"Matcher.HttpCode":         {"200-299"},
		"Attributes.entry.1.key":   {"stickiness.enabled"},
		"Attributes.entry.1.value": {"false"},
		"NotAMember.member.1":      {"ignored"},
		"Tags.member.1.NotAMember": {"ignored"},
		"Interval":                 {"5"}, // a member of the embedded QueryShared
	}
	var in queryInput
	if err := DecodeQuery(form, &in); err != nil {
		t.Fatal(err)
	}
	want := queryInput{
		Name: "web", Port: ptr(int32(8080)), Enabled: ptr(true),
		Subnets:     []string{"subnet-a", "subnet-b"},
		Tags:        []queryTag{{"env", "dev"}, {"tenth", ""}},
		Matcher:     &queryMatcher{HttpCode: ptr("200-299")},
		Attributes:  map[string]string{"stickiness.enabled": "false"},
		QueryShared: QueryShared{Interval: ptr(int32(5))},
	}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("decoded %+v\nwant    %+v", in, want)
	}

	// A bare list name with no value is an empty list, not an absent one.
	in = queryInput{}
	if err := DecodeQuery(url.Values{"Subnets": {""}}, &in); err != nil || in.Subnets == nil || len(in.Subnets) != 0 {
		t.Fatalf("empty list: %#v %v", in.Subnets, err)
	}

	for _, bad := range []url.Values{
		{"Port": {"eighty"}},
		{"Port": {"99999999999"}},
		{"Enabled": {"yes please"}},
		{"Subnets.member.x": {"a"}},
		{"Subnets.member.0": {"a"}},
		{"PageSize": {"-"}},
	} {
		err := DecodeQuery(bad, &queryInput{})
		if e := AsError(err); err == nil || e.Code != "ValidationError" || e.Status != 400 {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

type queryOutput struct {
	Items   []queryTag
	Empty   []string
	Absent  []string
	When    time.Time
	Count   int32
	Note    *string
	Skipped *string
	Escaped string
}

func TestQueryService(t *testing.T) {
	svc := NewQueryService("2015-12-01", "http://example.test/doc/2015-12-01/")
	svc.Handle("Describe", QueryOp(func(_ context.Context, in *queryInput) (*queryOutput, error) {
		if in.Name == "missing" {
			return nil, Kind("LoadBalancerNotFound", http.StatusBadRequest).Newf("One or more load balancers not found")
		}
		return &queryOutput{
			Items: []queryTag{{"a", "1"}}, Empty: []string{},
			When: time.Date(2026, 12, 6, 10, 0, 0, 123e6, time.UTC), Count: 2,
			Note: ptr("n"), Escaped: "<&>",
		}, nil
	}))
	mux := NewMux(nil)
	mux.AddQuery(svc)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	post := func(form string) (int, string) {
		resp, err := http.Post(srv.URL, "application/x-www-form-urlencoded; charset=utf-8", strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	status, body := post("Action=Describe&Version=2015-12-01&Name=x")
	wantResult := `<DescribeResult><Items><member><Key>a</Key><Value>1</Value></member></Items><Empty></Empty>` +
		`<When>2026-12-06T10:00:00.123Z</When><Count>2</Count><Note>n</Note><Escaped>&lt;&amp;&gt;</Escaped></DescribeResult>`
	if status != 200 || !strings.Contains(body, `<DescribeResponse xmlns="http://example.test/doc/2015-12-01/">`+wantResult+`<ResponseMetadata><RequestId>`) {
		t.Fatalf("%d %s", status, body)
	}
	var doc struct{ XMLName xml.Name }
	if err := xml.NewDecoder(bytes.NewReader([]byte(body))).Decode(&doc); err != nil {
		t.Fatalf("not XML: %v", err)
	}

	for _, tc := range []struct {
		form, code string
		status     int
	}{
		{"Action=Describe&Version=2015-12-01&Name=missing", "LoadBalancerNotFound", 400},
		{"Action=Describe&Version=2015-12-01&Port=x", "ValidationError", 400},
		{"Action=Nope&Version=2015-12-01", "InvalidAction", 400},
		{"Action=Describe&Version=1999-01-01", "InvalidAction", 400},
		{"Action=Describe&Version=2015-12-01&%zz", "ValidationError", 400},
	} {
		status, body := post(tc.form)
		if status != tc.status || !strings.Contains(body, "<Type>Sender</Type><Code>"+tc.code+"</Code>") || !strings.Contains(body, "<ErrorResponse") {
			t.Errorf("%s: %d %s", tc.form, status, body)
		}
	}
}

func FuzzDecodeQuery(f *testing.F) {
	for _, s := range []string{
		"Name=a&Port=80&Subnets.member.1=x&Tags.member.1.Key=k&Tags.member.1.Value=v",
		"Attributes.entry.1.key=a&Attributes.entry.1.value=b&Matcher.HttpCode=200",
		"Subnets=&Tags.member.99999999999.Key=x", "Port=%zz", "....=.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		form, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		var in queryInput
		if err := DecodeQuery(form, &in); err != nil {
			if e := AsError(err); e.Code != "ValidationError" {
				t.Fatalf("%q: %v", s, err)
			}
		}
	})
}
