package restapi

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/awsapi"
)

func TestParsePatchPath(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"/name", []string{"name"}},
		{"/~1pets~1{id}/GET/throttling/rateLimit", []string{"/pets/{id}", "GET", "throttling", "rateLimit"}},
		{"/variables/a~0b", []string{"variables", "a~b"}},
		{"/~01", []string{"~1"}},
		{"/", []string{""}},
	} {
		got, err := parsePatchPath(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("parsePatchPath(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "name", "/a~", "/a~2", strings.Repeat("/a", 600)} {
		if _, err := parsePatchPath(bad); !errors.Is(err, ErrBadRequest) {
			t.Errorf("parsePatchPath(%q): %v, want BadRequestException", bad, err)
		}
	}
}

// FuzzPatchPath applies one patch operation with any op, path and value to
// a stage and to an API: a bad one must be refused with one of the
// service's errors, never a panic, and the path must round-trip through
// its JSON Pointer escaping.
func FuzzPatchPath(f *testing.F) {
	for _, seed := range [][3]string{
		{"replace", "/*/*/throttling/rateLimit", "10"},
		{"replace", "/~1pets/GET/throttling/burstLimit", "5"},
		{"remove", "/~1pets/GET", ""},
		{"add", "/variables/color", "blue"},
		{"replace", "/accessLogSettings/format", "$context.requestId"},
		{"replace", "/endpointConfiguration/types/EDGE", "PRIVATE"},
		{"add", "/binaryMediaTypes/image~1png", ""},
		{"replace", "/a~", "x"},
		{"move", "/name", "x"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, op, path, value string) {
		segs, err := parsePatchPath(path)
		if err == nil {
			escaped := make([]string, len(segs))
			for i, s := range segs {
				escaped[i] = strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
			}
			if again, err := parsePatchPath("/" + strings.Join(escaped, "/")); err != nil || !slices.Equal(again, segs) {
				t.Fatalf("%q → %q does not round-trip: %q, %v", path, segs, again, err)
			}
		}
		ops := []PatchOperation{{Op: op, Path: path, Value: &value}}
		st := Stage{StageName: "prod", DeploymentId: "d"}
		checkPatchError(t, applyPatch(&st, ops, stagePatch))
		api := RestApi{Name: "a", EndpointConfiguration: &EndpointConfiguration{Types: []string{EndpointEdge}}}
		checkPatchError(t, applyPatch(&api, ops, apiPatch))
		plan := UsagePlan{Name: "p", ApiStages: []ApiStage{{ApiId: "a", Stage: "prod"}}}
		checkPatchError(t, applyPatch(&plan, ops, usagePlanPatch))
	})
}

func checkPatchError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *awsapi.Error
	if !errors.As(err, &e) || (e.Code != "BadRequestException" && e.Code != "NotFoundException" && e.Code != "ConflictException") {
		t.Fatalf("patch refused with %v, not one of the service's errors", err)
	}
}

var pathPartPattern = regexp.MustCompile(`^([a-zA-Z0-9._:-]+|\{[a-zA-Z0-9._:-]+\+?\})$`)

// FuzzPathPart checks the resource path part validator against AWS's rule
// written as one regular expression, and that a valid part never carries
// a "/" into the paths the router matches.
func FuzzPathPart(f *testing.F) {
	for _, seed := range []string{"pets", "{petId}", "{proxy+}", "v1.2", "", "{", "{}", "{+}", "a/b", "{a}b", "a{b}", "{a+}+", "é"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, part string) {
		err := validatePathPart(part)
		if want := len(part) <= 1024 && pathPartPattern.MatchString(part); (err == nil) != want {
			t.Fatalf("validatePathPart(%q) = %v, want valid=%v", part, err, want)
		}
		if err != nil {
			checkPatchError(t, err)
			return
		}
		if strings.Contains(childPath("/pets", part), "//") || isGreedy(part) && !isVariable(part) {
			t.Fatalf("valid part %q makes path %q", part, childPath("/pets", part))
		}
	})
}
