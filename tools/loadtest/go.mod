module github.com/pasetokit/pasetokit/tools/loadtest

go 1.26.0
