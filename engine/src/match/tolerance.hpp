// SPDX-License-Identifier: MIT
// How loosely a shape is compared with a signature: a coarser tessellation,
// a unit conversion, a perturbed surface.
#pragma once

#include "match/params.hpp"
#include "meshsentry/mesh.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry {

// Whether `scale` is 1 or a unit conversion (mm, inch, cm, m), within the
// sized band.
bool unit_scale(double scale, const VerifyParams& p);

// Tolerance of the verified score for a shape whose vertex spacing (over
// its RMS radius) is `shape_spacing`. A shape tessellated more coarsely than
// the reference strays from its surface by up to about its vertex spacing,
// so the tolerance grows with the excess spacing, up to a cap; fully only at
// the reference's size or a unit conversion of it, since a coarse look-alike
// of another size otherwise passes for the part.
double loose_tolerance(const SignatureEntry& e, double shape_spacing, double scale, const VerifyParams& p);

// Whether a shape's surface looks perturbed (noise on its vertices): few of
// its edges join coplanar triangles. `body` -1 is the whole file.
bool perturbed(const PreparedMesh& pm, int body, const GateParams& p);

}  // namespace meshsentry
