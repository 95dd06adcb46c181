#!/bin/bash
. "$(dirname "$0")/lib.sh"
plan 1
ok placeholder
