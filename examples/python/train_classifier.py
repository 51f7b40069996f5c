"""Train a two-layer ReLU classifier to global optimality, print its certificate,
predict on held-out rows.

    python examples/python/train_classifier.py      (after: pip install ./python scikit-learn)
"""

import os

import numpy as np
from sklearn.model_selection import train_test_split

from cvxrelu import ConvexReLUClassifier

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "..", "..", "problems", "data", "breast_cancer.csv")
data = np.loadtxt(path, delimiter=",", skiprows=1)
X, y = data[:, :-1], data[:, -1]  # 30 features; labels -1 (malignant) / +1 (benign)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)

clf = ConvexReLUClassifier(model="relu", solver="fista", lam=1e-3, patterns=100, seed=0)
clf.fit(X_train, y_train)

print(f"status              {clf.status_}")
print(f"objective           {clf.objective_:.10g}")
print(f"relative gap        {clf.duality_gap_:.2e}   (certified: the optimum is within this)")
print(f"max cone violation  {clf.max_cone_violation_:.2e}")
print(f"active neurons      {clf.n_active_neurons_}  (first layer {clf.first_layer_.shape})")
print(f"iterations          {clf.n_iter_}")
print(f"train accuracy      {clf.score(X_train, y_train):.3f}")
print(f"test accuracy       {clf.score(X_test, y_test):.3f}")
print(f"first predictions   {clf.predict(X_test[:8])}")
