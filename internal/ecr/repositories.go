package ecr

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// repositoryNamePattern is ECR's rule for repository names (2 to 256
// characters).
const repositoryNamePattern = `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*`

var repositoryName = regexp.MustCompile(`^` + repositoryNamePattern + `$`)

// ValidRepositoryName says whether ECR accepts name as a repository name.
func ValidRepositoryName(name string) bool {
	return len(name) >= 2 && len(name) <= 256 && repositoryName.MatchString(name)
}

func checkRepositoryName(name string) error {
	if !ValidRepositoryName(name) {
		return constraint("repositoryName", "must satisfy regular expression '"+repositoryNamePattern+"'")
	}
	return nil
}

// checkRegistry refuses a registryId other than this account's.
func (c *Control) checkRegistry(id string) error {
	if id != "" && id != c.cfg.AccountID {
		return invalidParameter("Invalid parameter at 'registryId' failed to satisfy constraint: 'The registry id does not belong to this account: %s'", id)
	}
	return nil
}

func checkMutability(m string) error {
	if m != Mutable && m != Immutable {
		return constraint("imageTagMutability", "Member must satisfy enum value set: [MUTABLE, IMMUTABLE]")
	}
	return nil
}

type CreateRepositoryInput struct {
	RegistryId                 string
	RepositoryName             string
	Tags                       []Tag
	ImageTagMutability         string
	ImageScanningConfiguration *ImageScanningConfiguration
	EncryptionConfiguration    *EncryptionConfiguration
}

type RepositoryOutput struct {
	Repository Repository `json:"repository"`
}

func (c *Control) CreateRepository(ctx context.Context, in *CreateRepositoryInput) (*RepositoryOutput, error) {
	if err := c.checkRegistry(in.RegistryId); err != nil {
		return nil, err
	}
	if err := checkRepositoryName(in.RepositoryName); err != nil {
		return nil, err
	}
	if in.ImageTagMutability == "" {
		in.ImageTagMutability = Mutable
	}
	if err := checkMutability(in.ImageTagMutability); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	rec := &repoRecord{Repository: Repository{RepositoryArn: c.repositoryArn(in.RepositoryName), RegistryId: c.cfg.AccountID,
		RepositoryName: in.RepositoryName, CreatedAt: awsapi.Now(), ImageTagMutability: in.ImageTagMutability,
		EncryptionConfiguration: EncryptionConfiguration{EncryptionType: "AES256"}}, Tags: in.Tags}
	if in.ImageScanningConfiguration != nil {
		rec.ImageScanningConfiguration = *in.ImageScanningConfiguration
	}
	if e := in.EncryptionConfiguration; e != nil {
		if e.EncryptionType != "AES256" && e.EncryptionType != "KMS" {
			return nil, constraint("encryptionConfiguration.encryptionType", "Member must satisfy enum value set: [AES256, KMS]")
		}
		rec.EncryptionConfiguration = *e
	}
	err := c.commit(ctx, func() (store.Txn, error) {
		if _, err := c.st.Get(ctx, repoKey(in.RepositoryName)); err == nil {
			return store.Txn{}, ErrRepositoryAlreadyExists.Newf("The repository with name '%s' already exists in the registry with id '%s'", in.RepositoryName, c.cfg.AccountID)
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Absent(repoKey(in.RepositoryName))}, Then: []store.Op{store.Put(repoKey(in.RepositoryName), store.JSON(rec))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &RepositoryOutput{c.wire(rec)}, nil
}

// wire is the repository as clients see it: its URI names the registry
// where it is served now.
func (c *Control) wire(r *repoRecord) Repository {
	out := r.Repository
	out.RepositoryUri = c.cfg.RegistryHost + "/" + r.RepositoryName
	return out
}

// update changes one repository in one transaction: change gets a copy of
// the stored record.
func (c *Control) update(ctx context.Context, name string, change func(r *repoRecord) error) (*repoRecord, error) {
	var out *repoRecord
	err := c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := store.GetJSON[repoRecord](ctx, c.st, repoKey(name))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, c.repositoryNotFound(name)
		}
		if err != nil {
			return store.Txn{}, err
		}
		out = rec.clone()
		if err := change(out); err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(out))}}, nil
	})
	return out, err
}

// repo returns a repository of the current snapshot.
func (c *Control) repo(registryID, name string) (*repoRecord, error) {
	if err := c.checkRegistry(registryID); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, constraint("repositoryName", "Member must not be null")
	}
	r := c.snapshot().Repos[name]
	if r == nil {
		return nil, c.repositoryNotFound(name)
	}
	return r, nil
}

type DescribeRepositoriesInput struct {
	RegistryId      string
	RepositoryNames []string
	NextToken       string
	MaxResults      *int
}

type DescribeRepositoriesOutput struct {
	Repositories []Repository `json:"repositories"`
	NextToken    *string      `json:"nextToken,omitempty"`
}

var pager = awsapi.Pager{Max: 1000, Default: 100,
	BadSize:  constraint("maxResults", "Member must have value between 1 and 1000"),
	BadToken: invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken'")}

func (c *Control) DescribeRepositories(ctx context.Context, in *DescribeRepositoriesInput) (*DescribeRepositoriesOutput, error) {
	if err := c.checkRegistry(in.RegistryId); err != nil {
		return nil, err
	}
	snap := c.snapshot()
	var all []Repository
	if len(in.RepositoryNames) > 0 {
		if in.NextToken != "" || in.MaxResults != nil {
			return nil, invalidParameter("Cannot specify repositoryNames together with nextToken or maxResults")
		}
		for _, name := range in.RepositoryNames {
			r := snap.Repos[name]
			if r == nil {
				return nil, c.repositoryNotFound(name)
			}
			all = append(all, c.wire(r))
		}
		return &DescribeRepositoriesOutput{Repositories: all}, nil
	}
	for _, r := range snap.Repos {
		all = append(all, c.wire(r))
	}
	slices.SortFunc(all, func(a, b Repository) int { return strings.Compare(a.RepositoryName, b.RepositoryName) })
	page, next, err := awsapi.Paginate(pager, all, func(r Repository) string { return r.RepositoryName }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []Repository{}
	}
	return &DescribeRepositoriesOutput{Repositories: page, NextToken: awsapi.StringPtr(next)}, nil
}

type DeleteRepositoryInput struct {
	RegistryId     string
	RepositoryName string
	Force          bool
}

// DeleteRepository deletes a repository; one that holds images only with
// force, which deletes them too.
func (c *Control) DeleteRepository(ctx context.Context, in *DeleteRepositoryInput) (*RepositoryOutput, error) {
	if _, err := c.repo(in.RegistryId, in.RepositoryName); err != nil {
		return nil, err
	}
	var out *repoRecord
	err := c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := store.GetJSON[repoRecord](ctx, c.st, repoKey(in.RepositoryName))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, c.repositoryNotFound(in.RepositoryName)
		}
		if err != nil {
			return store.Txn{}, err
		}
		if len(rec.Images) > 0 && !in.Force {
			return store.Txn{}, ErrRepositoryNotEmpty.Newf("The repository with name '%s' in registry with id '%s' cannot be deleted because it still contains images", in.RepositoryName, c.cfg.AccountID)
		}
		out = rec
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &RepositoryOutput{c.wire(out)}, nil
}

type PutImageTagMutabilityInput struct {
	RegistryId         string
	RepositoryName     string
	ImageTagMutability string
}

type PutImageTagMutabilityOutput struct {
	RegistryId         string `json:"registryId"`
	RepositoryName     string `json:"repositoryName"`
	ImageTagMutability string `json:"imageTagMutability"`
}

func (c *Control) PutImageTagMutability(ctx context.Context, in *PutImageTagMutabilityInput) (*PutImageTagMutabilityOutput, error) {
	if _, err := c.repo(in.RegistryId, in.RepositoryName); err != nil {
		return nil, err
	}
	if err := checkMutability(in.ImageTagMutability); err != nil {
		return nil, err
	}
	_, err := c.update(ctx, in.RepositoryName, func(r *repoRecord) error {
		r.ImageTagMutability = in.ImageTagMutability
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PutImageTagMutabilityOutput{c.cfg.AccountID, in.RepositoryName, in.ImageTagMutability}, nil
}

type PutImageScanningConfigurationInput struct {
	RegistryId                 string
	RepositoryName             string
	ImageScanningConfiguration *ImageScanningConfiguration
}

type PutImageScanningConfigurationOutput struct {
	RegistryId                 string                     `json:"registryId"`
	RepositoryName             string                     `json:"repositoryName"`
	ImageScanningConfiguration ImageScanningConfiguration `json:"imageScanningConfiguration"`
}

// PutImageScanningConfiguration stores the setting; nothing scans here.
func (c *Control) PutImageScanningConfiguration(ctx context.Context, in *PutImageScanningConfigurationInput) (*PutImageScanningConfigurationOutput, error) {
	if _, err := c.repo(in.RegistryId, in.RepositoryName); err != nil {
		return nil, err
	}
	if in.ImageScanningConfiguration == nil {
		return nil, constraint("imageScanningConfiguration", "Member must not be null")
	}
	_, err := c.update(ctx, in.RepositoryName, func(r *repoRecord) error {
		r.ImageScanningConfiguration = *in.ImageScanningConfiguration
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PutImageScanningConfigurationOutput{c.cfg.AccountID, in.RepositoryName, *in.ImageScanningConfiguration}, nil
}
