package ecr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// A lifecycle policy, as ECR's policy language writes it.
type lifecyclePolicy struct {
	Rules []lifecycleRule `json:"rules"`
}

type lifecycleRule struct {
	RulePriority *int      `json:"rulePriority"`
	Description  string    `json:"description,omitempty"`
	Selection    selection `json:"selection"`
	Action       struct {
		Type string `json:"type"`
	} `json:"action"`
}

type selection struct {
	TagStatus      string   `json:"tagStatus"`
	TagPrefixList  []string `json:"tagPrefixList,omitempty"`
	TagPatternList []string `json:"tagPatternList,omitempty"`
	CountType      string   `json:"countType"`
	CountUnit      string   `json:"countUnit,omitempty"`
	CountNumber    *int     `json:"countNumber"`
}

// maxRules is how many rules a policy may have.
const maxRules = 50

// parsePolicy reads and validates a policy text, with its rules in the
// order they apply (rulePriority, lowest first).
func parsePolicy(text string) (*lifecyclePolicy, error) {
	var p lifecyclePolicy
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, policyInvalid("Lifecycle policy validation failure: could not parse the policy: %v", err)
	}
	if dec.More() {
		return nil, policyInvalid("Lifecycle policy validation failure: trailing data after the policy")
	}
	if len(p.Rules) == 0 || len(p.Rules) > maxRules {
		return nil, policyInvalid("Lifecycle policy validation failure: a policy has 1 to %d rules", maxRules)
	}
	seen := map[int]bool{}
	for i := range p.Rules {
		r := &p.Rules[i]
		if err := r.validate(); err != nil {
			return nil, err
		}
		if seen[*r.RulePriority] {
			return nil, policyInvalid("Lifecycle policy validation failure: rulePriority %d is used by more than one rule", *r.RulePriority)
		}
		seen[*r.RulePriority] = true
	}
	slices.SortFunc(p.Rules, func(a, b lifecycleRule) int { return *a.RulePriority - *b.RulePriority })
	for _, r := range p.Rules[:len(p.Rules)-1] {
		if r.Selection.TagStatus == "any" {
			return nil, policyInvalid("Lifecycle policy validation failure: the rule with tagStatus 'any' must have the highest rulePriority")
		}
	}
	return &p, nil
}

func policyInvalid(format string, args ...any) error {
	return constraint("lifecyclePolicyText", fmt.Sprintf(format, args...))
}

func (r *lifecycleRule) validate() error {
	s := r.Selection
	switch {
	case r.RulePriority == nil || *r.RulePriority < 1:
		return policyInvalid("Lifecycle policy validation failure: rulePriority must be a positive integer")
	case r.Action.Type != "expire":
		return policyInvalid("Lifecycle policy validation failure: action.type must be 'expire'")
	case s.CountNumber == nil || *s.CountNumber < 1:
		return policyInvalid("Lifecycle policy validation failure: countNumber must be a positive integer")
	}
	lists := len(s.TagPrefixList) + len(s.TagPatternList)
	switch s.TagStatus {
	case "tagged":
		if (len(s.TagPrefixList) > 0) == (len(s.TagPatternList) > 0) {
			return policyInvalid("Lifecycle policy validation failure: a rule with tagStatus 'tagged' needs either tagPrefixList or tagPatternList")
		}
	case "untagged", "any":
		if lists > 0 {
			return policyInvalid("Lifecycle policy validation failure: tagPrefixList and tagPatternList are only for tagStatus 'tagged'")
		}
	default:
		return policyInvalid("Lifecycle policy validation failure: tagStatus must be 'tagged', 'untagged' or 'any'")
	}
	for _, p := range s.TagPatternList {
		if strings.Count(p, "*") > 4 {
			return policyInvalid("Lifecycle policy validation failure: tag pattern '%s' has more than 4 wildcards", p)
		}
	}
	switch s.CountType {
	case "imageCountMoreThan":
		if s.CountUnit != "" {
			return policyInvalid("Lifecycle policy validation failure: countUnit is only for countType 'sinceImagePushed'")
		}
	case "sinceImagePushed":
		if s.CountUnit != "days" {
			return policyInvalid("Lifecycle policy validation failure: countUnit must be 'days' for countType 'sinceImagePushed'")
		}
	default:
		return policyInvalid("Lifecycle policy validation failure: countType must be 'imageCountMoreThan' or 'sinceImagePushed'")
	}
	return nil
}

// selects says whether an image meets the rule's tag criteria. With
// several prefixes or patterns, only an image with a tag for each one is
// selected, as in ECR.
func (s selection) selects(img *imageRecord) bool {
	switch s.TagStatus {
	case "any":
		return true
	case "untagged":
		return len(img.Tags) == 0
	}
	if len(img.Tags) == 0 {
		return false
	}
	for _, prefix := range s.TagPrefixList {
		if !slices.ContainsFunc(img.Tags, func(t string) bool { return strings.HasPrefix(t, prefix) }) {
			return false
		}
	}
	for _, pattern := range s.TagPatternList {
		if !slices.ContainsFunc(img.Tags, func(t string) bool { return wildcardMatch(pattern, t) }) {
			return false
		}
	}
	return true
}

// wildcardMatch matches a tag pattern, where only * is special.
func wildcardMatch(pattern, tag string) bool {
	// path.Match treats ?, [ and \ specially too; tags may hold none of
	// them but '.', '-' and '_', so escaping them keeps the match literal.
	var b strings.Builder
	for _, r := range pattern {
		if r == '?' || r == '[' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	ok, err := path.Match(b.String(), tag)
	return err == nil && ok
}

// expiry is an image a policy expires, and the rule that does.
type expiry struct {
	Digest       string
	RulePriority int
}

// evaluate applies the policy to images at now: the images it expires,
// and when a sinceImagePushed rule next expires one (zero if never). Rules
// apply in priority order; an image that meets a rule's tag criteria is
// kept or expired by that rule and no later one.
func (p *lifecyclePolicy) evaluate(images []imageRecord, now time.Time) (expired []expiry, next time.Time) {
	taken := map[string]bool{}
	for _, r := range p.Rules {
		var chosen []*imageRecord
		for i := range images {
			if img := &images[i]; !taken[img.Digest] && r.Selection.selects(img) {
				chosen = append(chosen, img)
				taken[img.Digest] = true
			}
		}
		// Newest first: imageCountMoreThan keeps the newest.
		slices.SortStableFunc(chosen, func(a, b *imageRecord) int { return b.PushedAt.Time().Compare(a.PushedAt.Time()) })
		n := *r.Selection.CountNumber
		switch r.Selection.CountType {
		case "imageCountMoreThan":
			for _, img := range chosen[min(n, len(chosen)):] {
				expired = append(expired, expiry{img.Digest, *r.RulePriority})
			}
		case "sinceImagePushed":
			age := time.Duration(n) * 24 * time.Hour
			for _, img := range chosen {
				at := img.PushedAt.Time().Add(age)
				if !now.Before(at) {
					expired = append(expired, expiry{img.Digest, *r.RulePriority})
				} else if next.IsZero() || at.Before(next) {
					next = at
				}
			}
		}
	}
	return expired, next
}
