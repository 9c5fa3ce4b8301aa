#!/bin/sh
# A Hadoop Streaming mapper, or the command of Spark's RDD.pipe(): JSONL
# records on standard input ({"id": ..., "text": ...}, escaped or not), one
# verdict per record on standard output, in input order, records without
# hits included, so the output joins back on "id" with no post-processing:
#
#   {"file":"<stdin>","line":1,"id":7,"verdict":"block","categories":["gambling"],"hits":[...]}
#
# Offsets are UTF-16 units of the text (as String indices in Java and
# JavaScript). Hits exit 0 (--exit-zero): a task fails only on a real error
# (exit 2: a record that is not JSON, no "text" member, a rule's match
# limit), named on standard error.
#
#   hadoop jar hadoop-streaming.jar -input posts/ -output verdicts/ \
#       -mapper shai-mapper.sh -file shai-mapper.sh -numReduceTasks 0
#   rdd.pipe("shai-mapper.sh")            # PySpark, one record per element
#
# SHAI_FIELD and SHAI_ID name other members; SHAI_DB a saved db (shai
# compile), else the default lexicon is used.
set -eu
field=${SHAI_FIELD:-text}
id=${SHAI_ID:-id}
if [ -n "${SHAI_DB:-}" ]; then
    exec shai scan --db "$SHAI_DB" --input jsonl --field "$field" --id "$id" \
        --verdicts --offsets utf16 --exit-zero -
fi
exec shai scan --input jsonl --field "$field" --id "$id" --verdicts --offsets utf16 --exit-zero -
