* generator: cvxrelu 0.1.0
* data: tests/golden/tiny.csv
* model: gated-relu
* reg: l2
* lambda: 0.1
* n: 4, d: 2, c: 1
* patterns: 2 (requested 2)
* gates: tests/golden/tiny_gates.csv
* bias: false, scale: none
* lowering: quadratic
NAME cvxrelu
ROWS
 N obj
 E fit_0_0
 E fit_0_1
 E fit_0_2
 E fit_0_3
COLUMNS
 u_0_0_0 fit_0_0 -1
 u_0_0_0 fit_0_2 -0.25
 u_0_0_1 fit_0_0 -0.5
 u_0_0_1 fit_0_2 1
 u_0_1_0 fit_0_0 -1
 u_0_1_0 fit_0_1 0.5
 u_0_1_1 fit_0_0 -0.5
 u_0_1_1 fit_0_1 -1
 r_0_0 fit_0_0 1
 r_0_1 fit_0_1 1
 r_0_2 fit_0_2 1
 r_0_3 fit_0_3 1
RHS
 rhs fit_0_0 -1
 rhs fit_0_1 1
 rhs fit_0_2 -0.5
BOUNDS
 FR bnd u_0_0_0
 FR bnd u_0_0_1
 FR bnd u_0_1_0
 FR bnd u_0_1_1
 FR bnd r_0_0
 FR bnd r_0_1
 FR bnd r_0_2
 FR bnd r_0_3
QUADOBJ
 u_0_0_0 u_0_0_0 0.1
 u_0_0_1 u_0_0_1 0.1
 u_0_1_0 u_0_1_0 0.1
 u_0_1_1 u_0_1_1 0.1
 r_0_0 r_0_0 0.25
 r_0_1 r_0_1 0.25
 r_0_2 r_0_2 0.25
 r_0_3 r_0_3 0.25
ENDATA
