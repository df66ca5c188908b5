package ecr

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// img is an image pushed days ago with tags.
func img(digest string, days float64, tags ...string) imageRecord {
	return imageRecord{Digest: digest, Tags: tags, PushedAt: awsapi.Timestamp(now.Add(-time.Duration(days * 24 * float64(time.Hour))))}
}

func TestLifecycleEvaluate(t *testing.T) {
	images := []imageRecord{
		img("old-untagged", 30), img("untagged", 1),
		img("prod-1", 20, "prod-1"), img("prod-2", 10, "prod-2", "stable"), img("prod-3", 2, "prod-3"),
		img("dev-1", 15, "dev-1"), img("dev-2", 5, "dev-2"),
		img("release", 40, "release-1.0", "latest"),
	}
	cases := []struct {
		name, policy string
		expired      []string
		next         time.Duration // from now, 0: none
	}{
		{"keep the 2 newest of any", `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":2},"action":{"type":"expire"}}]}`,
			[]string{"prod-2", "dev-2", "dev-1", "prod-1", "old-untagged", "release"}, 0},
		{"untagged older than 7 days", `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}`,
			[]string{"old-untagged"}, 6 * 24 * time.Hour},
		{"prefix keeps 1 prod", `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":["prod"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`,
			[]string{"prod-2", "prod-1"}, 0},
		{"every prefix must match a tag", `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":["prod","stab"],"countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}}]}`,
			[]string{"prod-2"}, 0},
		{"pattern", `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","tagPatternList":["release-*.0"],"countType":"sinceImagePushed","countUnit":"days","countNumber":30},"action":{"type":"expire"}}]}`,
			[]string{"release"}, 0},
		// prod images meet rule 1's criteria, so rule 2 (any, keep 1)
		// cannot expire them: only the newest of the others stays.
		{"a higher rule shields what it selects", `{"rules":[
			{"rulePriority":20,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},
			{"rulePriority":10,"selection":{"tagStatus":"tagged","tagPrefixList":["prod"],"countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}`,
			[]string{"dev-2", "dev-1", "old-untagged", "release"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parsePolicy(tc.policy)
			if err != nil {
				t.Fatal(err)
			}
			expiries, next := p.evaluate(images, now)
			var expired []string
			for _, e := range expiries {
				expired = append(expired, e.Digest)
			}
			slices.Sort(expired)
			want := slices.Clone(tc.expired)
			slices.Sort(want)
			if !slices.Equal(expired, want) {
				t.Errorf("expired %v, want %v", expired, want)
			}
			if wantNext := now.Add(tc.next); tc.next == 0 && !next.IsZero() || tc.next != 0 && !next.Equal(wantNext) {
				t.Errorf("next expiry %v, want now+%v", next, tc.next)
			}
		})
	}
}

func TestLifecyclePolicyValidation(t *testing.T) {
	rule := func(priority, selection string) string {
		return `{"rulePriority":` + priority + `,"selection":` + selection + `,"action":{"type":"expire"}}`
	}
	anyKeep := `{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":2}`
	bad := map[string]string{
		"not JSON":               `{"rules":`,
		"no rules":               `{"rules":[]}`,
		"unknown member":         `{"rules":[` + rule("1", anyKeep) + `],"extra":1}`,
		"priority 0":             `{"rules":[` + rule("0", anyKeep) + `]}`,
		"same priority twice":    `{"rules":[` + rule("1", `{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":2}`) + `,` + rule("1", anyKeep) + `]}`,
		"any not last":           `{"rules":[` + rule("1", anyKeep) + `,` + rule("2", `{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":2}`) + `]}`,
		"tagged without a list":  `{"rules":[` + rule("1", `{"tagStatus":"tagged","countType":"imageCountMoreThan","countNumber":2}`) + `]}`,
		"tagged with both lists": `{"rules":[` + rule("1", `{"tagStatus":"tagged","tagPrefixList":["a"],"tagPatternList":["a*"],"countType":"imageCountMoreThan","countNumber":2}`) + `]}`,
		"untagged with a list":   `{"rules":[` + rule("1", `{"tagStatus":"untagged","tagPrefixList":["a"],"countType":"imageCountMoreThan","countNumber":2}`) + `]}`,
		"five wildcards":         `{"rules":[` + rule("1", `{"tagStatus":"tagged","tagPatternList":["*a*b*c*d*"],"countType":"imageCountMoreThan","countNumber":2}`) + `]}`,
		"days without unit":      `{"rules":[` + rule("1", `{"tagStatus":"any","countType":"sinceImagePushed","countNumber":2}`) + `]}`,
		"count with a unit":      `{"rules":[` + rule("1", `{"tagStatus":"any","countType":"imageCountMoreThan","countUnit":"days","countNumber":2}`) + `]}`,
		"no count":               `{"rules":[` + rule("1", `{"tagStatus":"any","countType":"imageCountMoreThan"}`) + `]}`,
		"bad status":             `{"rules":[` + rule("1", `{"tagStatus":"TAGGED","countType":"imageCountMoreThan","countNumber":2}`) + `]}`,
	}
	for name, policy := range bad {
		_, err := parsePolicy(policy)
		if !errors.Is(err, ErrInvalidParameter) || !strings.Contains(err.Error(), "Lifecycle policy validation failure") {
			t.Errorf("%s: %v, want an InvalidParameterException", name, err)
		}
	}
}
