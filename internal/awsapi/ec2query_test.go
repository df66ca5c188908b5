package awsapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

type ec2Tag struct{ Key, Value *string }

type ec2TagSpecification struct {
	ResourceType *string
	Tags         []ec2Tag `ec2:"Tag"`
}

type ec2Filter struct {
	Name   *string
	Values []string `ec2:"Value"`
}

type ec2Input struct {
	VpcId             *string
	SubnetIds         []string `ec2:"SubnetId"`
	PrivateDnsEnabled *bool
	MaxResults        *int32
	TagSpecifications []ec2TagSpecification `ec2:"TagSpecification"`
	Filters           []ec2Filter           `ec2:"Filter"`
	Attributes        map[string]string
}

func TestDecodeEC2Query(t *testing.T) {
	form := url.Values{
		"Action":                             {"CreateVpcEndpoint"},
		"VpcId":                              {"vpc-1"},
		"SubnetId.2":                         {"subnet-b"},
		"SubnetId.1":                         {"subnet-a"},
		"PrivateDnsEnabled":                  {"false"},
		"MaxResults":                         {"5"},
		"TagSpecification.1.ResourceType":    {"vpc-endpoint"},
		"TagSpecification.1.Tag.1.Key":       {"Name"},
		"TagSpecification.1.Tag.1.Value":     {"api"},
		"TagSpecification.1.Tag.10.Key":      {"tenth"},
		"Filter.1.Name":                      {"vpc-id"},
		"Filter.1.Value.1":                   {"vpc-1"},
		"Filter.1.Value.2":                   {"vpc-2"},
		"SubnetIds.member.1":                 {"ignored: not EC2's form"},
		"TagSpecification.1.Tag.1.NotMember": {"ignored"},
	}
	var in ec2Input
	if err := DecodeEC2Query(form, &in); err != nil {
		t.Fatal(err)
	}
	want := ec2Input{
		VpcId: ptr("vpc-1"), SubnetIds: []string{"subnet-a", "subnet-b"}, PrivateDnsEnabled: ptr(false), MaxResults: ptr(int32(5)),
		TagSpecifications: []ec2TagSpecification{{ResourceType: ptr("vpc-endpoint"), Tags: []ec2Tag{{ptr("Name"), ptr("api")}, {Key: ptr("tenth")}}}},
		Filters:           []ec2Filter{{Name: ptr("vpc-id"), Values: []string{"vpc-1", "vpc-2"}}},
	}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("decoded %+v\nwant    %+v", in, want)
	}
	for _, bad := range []url.Values{
		{"MaxResults": {"many"}},
		{"PrivateDnsEnabled": {"yes"}},
		{"SubnetId.x": {"a"}},
		{"SubnetId.0": {"a"}},
		{"Attributes.entry.1.key": {"k"}}, // EC2 has no maps
	} {
		err := DecodeEC2Query(bad, &ec2Input{})
		if e := AsError(err); err == nil || e.Code != "InvalidParameterValue" || e.Status != 400 {
			t.Errorf("%v: %v", bad, err)
		}
	}
	// The awsQuery decoder is untouched by the flavour: member lists, field names.
	var q struct{ SubnetIds []string }
	if err := DecodeQuery(url.Values{"SubnetIds.member.1": {"a"}, "SubnetId.1": {"b"}}, &q); err != nil || !reflect.DeepEqual(q.SubnetIds, []string{"a"}) {
		t.Fatalf("awsQuery: %v %v", q.SubnetIds, err)
	}
}

type ec2Item struct {
	GroupId   string
	GroupName string `ec2:"groupName"`
}

type ec2Output struct {
	VpcEndpoint *struct {
		VpcEndpointId     string
		SubnetIds         []string  `ec2:"subnetIdSet"`
		Groups            []ec2Item `ec2:"groupSet"`
		RouteTableIds     []string  `ec2:"routeTableIdSet"`
		NotSet            []string
		PrivateDnsEnabled bool
		CreationTimestamp time.Time
		Empty             string
		Escaped           string
	}
	ClientToken *string
}

func TestEC2QueryService(t *testing.T) {
	const ns = "http://ec2.amazonaws.com/doc/2016-11-15/"
	svc := NewEC2QueryService("2016-11-15", ns)
	svc.Handle("CreateVpcEndpoint", EC2Op(func(_ context.Context, in *ec2Input) (*ec2Output, error) {
		if in.VpcId == nil {
			return nil, Kind("MissingParameter", http.StatusBadRequest).Newf("The request must contain the parameter VpcId")
		}
		out := &ec2Output{ClientToken: ptr("tok")}
		out.VpcEndpoint = &struct {
			VpcEndpointId     string
			SubnetIds         []string  `ec2:"subnetIdSet"`
			Groups            []ec2Item `ec2:"groupSet"`
			RouteTableIds     []string  `ec2:"routeTableIdSet"`
			NotSet            []string
			PrivateDnsEnabled bool
			CreationTimestamp time.Time
			Empty             string
			Escaped           string
		}{VpcEndpointId: "vpce-1", SubnetIds: in.SubnetIds, Groups: []ec2Item{{"sg-1", "default"}}, RouteTableIds: []string{},
			PrivateDnsEnabled: true, CreationTimestamp: time.Date(2026, 12, 7, 1, 2, 3, 4e6, time.UTC), Escaped: "<&>"}
		return out, nil
	}))
	mux := NewMux(nil)
	mux.AddQuery(svc)
	mux.AddQuery(NewQueryService("2015-12-01", "http://elb.test/"))
	mux.Authenticate = func(r *http.Request, body []byte) error {
		if r.Header.Get("Authorization") == "bad" {
			return Errorf("AuthFailure", "AWS was not able to validate the provided access credentials")
		}
		return nil
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	post := func(form, auth string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	status, body := post("Action=CreateVpcEndpoint&Version=2016-11-15&VpcId=vpc-1&SubnetId.1=subnet-a&SubnetId.2=subnet-b", "")
	want := `<vpcEndpoint><vpcEndpointId>vpce-1</vpcEndpointId><subnetIdSet><item>subnet-a</item><item>subnet-b</item></subnetIdSet>` +
		`<groupSet><item><groupId>sg-1</groupId><groupName>default</groupName></item></groupSet><routeTableIdSet></routeTableIdSet>` +
		`<privateDnsEnabled>true</privateDnsEnabled><creationTimestamp>2026-12-07T01:02:03.004Z</creationTimestamp>` +
		`<escaped>&lt;&amp;&gt;</escaped></vpcEndpoint><clientToken>tok</clientToken></CreateVpcEndpointResponse>`
	if status != 200 || !strings.Contains(body, `<CreateVpcEndpointResponse xmlns="`+ns+`"><requestId>`) || !strings.HasSuffix(body, want) {
		t.Fatalf("%d %s", status, body)
	}

	for _, tc := range []struct{ form, auth, code string }{
		{"Action=CreateVpcEndpoint&Version=2016-11-15", "", "MissingParameter"},
		{"Action=CreateVpcEndpoint&Version=2016-11-15&MaxResults=x", "", "InvalidParameterValue"},
		{"Action=Nope&Version=2016-11-15", "", "InvalidAction"},
		{"Action=CreateVpcEndpoint&Version=2016-11-15&VpcId=v", "bad", "AuthFailure"},
	} {
		status, body := post(tc.form, tc.auth)
		if status != 400 || !strings.Contains(body, "<Response><Errors><Error><Code>"+tc.code+"</Code><Message>") || !strings.Contains(body, "<RequestID>") {
			t.Errorf("%s: %d %s", tc.form, status, body)
		}
	}
	// Another awsQuery service keeps its own error shape, before dispatch too.
	if status, body := post("Action=X&Version=2015-12-01", "bad"); status != 400 || !strings.Contains(body, "<ErrorResponse") {
		t.Errorf("awsQuery auth failure: %d %s", status, body)
	}
}

func FuzzDecodeEC2Query(f *testing.F) {
	for _, s := range []string{
		"VpcId=v&SubnetId.1=a&SubnetId.2=b&PrivateDnsEnabled=true&MaxResults=5",
		"TagSpecification.1.ResourceType=vpc-endpoint&TagSpecification.1.Tag.1.Key=k&TagSpecification.1.Tag.1.Value=v",
		"Filter.1.Name=tag:Name&Filter.1.Value.1=x&Filter.2.Value.99999999999=y", "SubnetId.0=a", "Attributes.entry.1.key=k", "....=.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		form, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		var in ec2Input
		if err := DecodeEC2Query(form, &in); err != nil {
			if !errors.Is(err, ErrEC2InvalidParameterValue) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		// Every list item given is decoded, in index order.
		if n := countIndexed(form, "SubnetId."); len(in.SubnetIds) != n {
			t.Fatalf("%q: %d subnets decoded from %d", s, len(in.SubnetIds), n)
		}
	})
}

// countIndexed counts the distinct list items under prefix that the form names.
func countIndexed(form url.Values, prefix string) int {
	seen := map[string]bool{}
	for k, v := range form {
		if rest, ok := strings.CutPrefix(k, prefix); ok && len(v) > 0 {
			i, _, _ := strings.Cut(rest, ".")
			seen[i] = true
		}
	}
	return len(seen)
}
