module github.com/recruiter-registry/tests/interop/tlogcheck

go 1.24

require golang.org/x/mod v0.43.0
