package main

import (
	"context"
	"strings"
	"testing"
	"unicode"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/protobuf/types/known/structpb"
)

func mustStruct(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const passwordURN = "urn:pulumi:dev::proj::random:index/randomPassword:RandomPassword::pw"

func TestGenerateHonoursCharsetsAndMinimums(t *testing.T) {
	for range 200 {
		s := parseSpec(mustStruct(t, map[string]any{
			"length": 24, "special": false, "minNumeric": 2, "minUpper": 3,
		}).Fields)
		got, err := generate(s)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 24 {
			t.Fatalf("length %d, want 24", len(got))
		}
		digits, uppers := 0, 0
		for _, r := range got {
			switch {
			case unicode.IsDigit(r):
				digits++
			case unicode.IsUpper(r):
				uppers++
			case unicode.IsLower(r):
			default:
				t.Fatalf("special character %q although special=false", r)
			}
		}
		if digits < 2 || uppers < 3 {
			t.Fatalf("%d digits, %d upper: minimums not met", digits, uppers)
		}
	}
}

func TestGenerateUsesOverrideSpecialOnly(t *testing.T) {
	s := parseSpec(mustStruct(t, map[string]any{
		"length": 16, "upper": false, "lower": false, "numeric": false, "overrideSpecial": "#%",
	}).Fields)
	got, err := generate(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Trim(got, "#%") != "" || len(got) != 16 {
		t.Fatalf("got %q, want 16 characters from \"#%%\"", got)
	}
}

func TestGenerateRejectsEmptyCharset(t *testing.T) {
	s := parseSpec(mustStruct(t, map[string]any{
		"length": 8, "upper": false, "lower": false, "numeric": false, "special": false,
	}).Fields)
	if _, err := generate(s); err == nil {
		t.Fatal("expected an error when every character set is disabled")
	}
}

func TestCheckAppliesDefaultsAndValidates(t *testing.T) {
	p := &randomProvider{}
	resp, err := p.Check(context.Background(), &pulumirpc.CheckRequest{
		Urn: passwordURN, News: mustStruct(t, map[string]any{"length": 10, "number": false}),
	})
	if err != nil {
		t.Fatal(err)
	}
	f := resp.GetInputs().GetFields()
	if f["numeric"].GetBoolValue() || f["number"].GetBoolValue() {
		t.Fatal("number=false must switch numeric off (deprecated alias)")
	}
	if !f["upper"].GetBoolValue() || !f["special"].GetBoolValue() || f["minUpper"].GetNumberValue() != 0 {
		t.Fatalf("defaults not applied: %v", f)
	}
	if len(resp.GetFailures()) != 0 {
		t.Fatalf("unexpected failures %v", resp.GetFailures())
	}

	for name, news := range map[string]map[string]any{
		"missing length": {},
		"mins too large": {"length": 3, "minUpper": 2, "minNumeric": 2},
	} {
		resp, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: passwordURN, News: mustStruct(t, news)})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.GetFailures()) != 1 || resp.GetFailures()[0].GetProperty() != "length" {
			t.Fatalf("%s: failures %v, want one on length", name, resp.GetFailures())
		}
	}
}

func TestCheckRejectsUnsupportedType(t *testing.T) {
	_, err := (&randomProvider{}).Check(context.Background(), &pulumirpc.CheckRequest{
		Urn:  "urn:pulumi:dev::proj::random:index/randomPet:RandomPet::pet",
		News: mustStruct(t, map[string]any{}),
	})
	if err == nil || !strings.Contains(err.Error(), "randomPet") {
		t.Fatalf("got %v, want an error naming the unsupported type", err)
	}
}

func TestDiffReplacesOnAnyInputChange(t *testing.T) {
	p := &randomProvider{}
	olds := mustStruct(t, map[string]any{"length": 10, "special": true, "result": "x"})
	same, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{
		Urn: passwordURN, Olds: olds, News: mustStruct(t, map[string]any{"length": 10, "special": true}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if same.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("identical inputs: changes %v, want none", same.GetChanges())
	}
	changed, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{
		Urn: passwordURN, Olds: olds, News: mustStruct(t, map[string]any{"length": 12, "special": true}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if changed.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME || len(changed.GetReplaces()) != 1 ||
		changed.GetReplaces()[0] != "length" {
		t.Fatalf("length change: %v replaces %v, want a replace on length", changed.GetChanges(), changed.GetReplaces())
	}
}

func TestCreatePasswordHashesResultAndHidesItFromTheID(t *testing.T) {
	p := &randomProvider{}
	checked, err := p.Check(context.Background(), &pulumirpc.CheckRequest{
		Urn: passwordURN, News: mustStruct(t, map[string]any{"length": 20}),
	})
	if err != nil {
		t.Fatal(err)
	}
	created, err := p.Create(context.Background(), &pulumirpc.CreateRequest{
		Urn: passwordURN, Properties: checked.GetInputs(),
	})
	if err != nil {
		t.Fatal(err)
	}
	result := created.GetProperties().GetFields()["result"].GetStringValue()
	hash := created.GetProperties().GetFields()["bcryptHash"].GetStringValue()
	if len(result) != 20 {
		t.Fatalf("result length %d, want 20", len(result))
	}
	if created.GetId() != "none" {
		t.Fatalf("id %q, want the fixed id \"none\"", created.GetId())
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(result)) != nil {
		t.Fatal("bcryptHash does not match result")
	}
}
