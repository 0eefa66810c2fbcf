# Fits the float erf used by org.nvit.engine.cpu.FastErf (least squares on Chebyshev nodes, relative weighting).
import numpy as np, mpmath as mp
mp.mp.dps=30
def cheb(a,b,n): k=np.arange(n); return (a+b)/2+(b-a)/2*np.cos(np.pi*(k+0.5)/n)
x=cheb(1e-4,0.9,2000); f=np.array([float(mp.erf(v)/v) for v in x])
A=np.vstack([(x*x)**i for i in range(7)]).T
cs=np.linalg.lstsq(A/f[:,None],f/f,rcond=None)[0]
x=cheb(0.9,9.2,3000); R=np.array([float(mp.erfc(v)*mp.exp(v*v)) for v in x]); t=1/(1+0.5*x)
A=np.vstack([t**i for i in range(9)]).T
cl=np.linalg.lstsq(A/R[:,None],R/R,rcond=None)[0]
print("P (erf(z)/z in z^2, |z|<0.9):", ", ".join("%.9ef" % c for c in cs))
print("R (erfc(s)*exp(s^2) in t=1/(1+s/2)):", ", ".join("%.9ef" % c for c in cl))
