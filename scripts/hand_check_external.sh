#!/bin/sh
# The hand check of the external runner scripts (README "External solvers through
# files"): export two reference problems as CBF, solve them with SCS, ECOS and MOSEK
# through scripts/run_*.py, and write what each solution file says (and the MOSEK
# script's message) to results/external/hand_check.md.
#
#   PATH=/path/to/venv/bin:$PATH sh scripts/hand_check_external.sh [CVXRELU_BINARY]
set -u
BIN=${1:-target/release/cvxrelu}
REF=tests/data/reference
OUT=results/external/hand_check.md
TMP=$(mktemp -d)
mkdir -p results/external
{
  echo "# External runner scripts, checked by hand"
  echo
  echo "Written by \`scripts/hand_check_external.sh\` on $(date -u +%Y-%m-%d); $(python3 -c 'import scs, ecos; print("scs", scs.__version__, "/ ecos", ecos.__version__)' 2>&1)."
  echo "Reference objectives: \`$REF/objectives.json\` (CVXPY + Clarabel, ECOS and SCS agree)."
  for model in gated-relu relu; do
    "$BIN" export --data $REF/breast_cancer.csv --gates $REF/breast_cancer_gates.csv \
      --model $model --lambda 1e-3 --scale none --format cbf --output "$TMP/$model.cbf" > /dev/null
    ref=$(python3 -c "import json; print([p['objective'] for p in json.load(open('$REF/objectives.json'))['problems'] if p['data']=='breast_cancer.csv' and p['model']=='$model' and p['lambda']==0.001][0])")
    echo
    echo "## breast_cancer $model, lambda = 1e-3 (reference objective $ref)"
    for s in scs ecos mosek; do
      echo
      echo "\`python3 scripts/run_$s.py INSTANCE SOLUTION --tol 1e-9\`: exit code \c"
      python3 scripts/run_$s.py "$TMP/$model.cbf" "$TMP/$model-$s.sol" --tol 1e-9 2> "$TMP/err"
      echo "$?"
      echo
      echo '```'
      if [ -f "$TMP/$model-$s.sol" ]; then
        grep -E '^(status|objective|iterations|solver|x) ' "$TMP/$model-$s.sol"
      else
        echo "no solution file; stderr: $(cat "$TMP/err")"
      fi
      echo '```'
    done
  done
} > "$OUT"
rm -rf "$TMP"
echo "wrote $OUT"
