// Package quality computes the statistics that tell a research team whether
// its preference labels can be trusted. It covers chance-corrected agreement
// between annotators (Cohen's kappa, Fleiss' kappa, Krippendorff's alpha),
// each annotator's agreement with the others' majority, Wilson intervals for
// position and length bias, labelling pace, and Bradley-Terry strengths of
// the models being compared.
//
// Every function is pure: it reads its arguments, never modifies them, and
// touches no database or network. Ratings are category numbers 0..k-1, and
// the caller decides which verdict each number stands for. Every error this
// package returns describes invalid input.
//
// When every rating falls in one category, chance agreement is perfect and
// kappa and alpha are 0/0. These functions return 1 in that case, because
// the observed agreement is then perfect as well. Other implementations
// differ here, because scikit-learn's cohen_kappa_score returns NaN by
// default and statsmodels' fleiss_kappa divides 0 by 0.
package quality
