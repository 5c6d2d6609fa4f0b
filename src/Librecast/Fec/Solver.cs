using System;

namespace Librecast.Fec
{
    /// <summary>
    /// Solves A·C = D for the intermediate symbols C of one source block (RFC 6330 5.4): the
    /// inactivation decoder that both the encoder (on the K' systematic rows) and the decoder (on
    /// the received rows) run. All working memory is allocated once, sized for the largest block.
    /// </summary>
    /// <remarks>
    /// Rows 0..S-1 are the LDPC rows, S..S+H-1 the HDPC rows, then one LT row per symbol (padding
    /// first). The binary rows are bit-packed (64 columns a word); the H HDPC rows are dense octets.
    /// Row i's symbol is slot i of the caller's buffer: <c>sym[symBase + i*T]</c>.
    ///
    /// The elimination follows 5.4.2 in three steps, with columns renamed instead of moved:
    /// 1. (phase 1) the PI columns W..L-1 start inactive; repeatedly the binary row with the fewest
    ///    non-zeros r among the active columns (least original degree on a tie) is chosen; one of
    ///    them becomes its pivot, the other r-1 columns are inactivated, and the pivot column is
    ///    cleared from every unchosen row (no fill-in outside the inactive columns) and from the
    ///    HDPC rows. HDPC rows are never chosen here.
    /// 2. (phase 2, binary part) each inactive column takes a remaining binary row as pivot
    ///    (Gauss-Jordan among those rows, and cleared from the HDPC rows); columns with none left
    ///    are residual.
    /// 3. (phase 2, octet part) the residual columns are solved densely over GF(256) from the HDPC
    ///    rows and any binary rows left; there are at most H of them when the block decodes.
    /// Back-substitution then runs phase-2 rows, then phase-1 rows (5.4.2.5).
    /// A pass without symbols (<c>withSymbols</c> false) tells whether the rows decode without
    /// touching the received symbols, so a failed attempt loses nothing.
    /// </remarks>
    public sealed class Solver
    {
        private const int DenseExtraRows = 16;

        private readonly int maxL;
        private readonly int maxRows;
        private readonly ulong[] bits;
        private readonly byte[] hdpc;
        private readonly int[] rowDeg;
        private readonly int[] rowOrig;
        private readonly byte[] rowState; // 0 open binary, 1 phase-1 pivot, 2 phase-2 pivot, 3 HDPC
        private readonly int[] pivotCol;
        private readonly byte[] colState; // 0 active, 1 pivoted in phase 1, 2 inactive
        private readonly int[] colSlot;
        private readonly int[] order1;
        private readonly int[] inactive;
        private readonly int[] residual;
        private readonly ulong[] activeMask;
        private readonly ulong[] inactiveMask;
        private readonly byte[] dense;
        private readonly int[] denseSlot;
        private readonly int[] cols = new int[SourceBlock.MaxRowWeight];
        // Which binary rows hold each active column, fixed at build: phase 1 never adds a non-zero
        // in an active column (the pivot row's only active non-zero is the pivot), so these lists
        // stay exact and a column is found without scanning the bit matrix.
        private readonly int[] colStart;
        private readonly int[] colRows;
        private readonly int[] colFill;
        // Open binary rows by their count of active non-zeros (doubly linked per count), so the
        // sparsest row is found without a scan; counts only fall during phase 1.
        private readonly int[] bucketHead;
        private readonly int[] nextRow;
        private readonly int[] prevRow;
        private int minBucket;

        private SourceBlock blk = null!;
        private int rows;
        private int wd;
        private int n1;
        private int nInactive;
        private int nResidual;

        private byte[] sym = null!;
        // One symbol of scratch (the HDPC rows' running sum) and the combination table of the
        // back-substitution, both sized on first use for the symbol size in use.
        private byte[] acc = new byte[0];
        private byte[] combos = new byte[0];
        private readonly int[] groupCols = new int[8];
        private int symBase;
        private int t;
        private bool withSymbols;
        // While a plan is recorded: every symbol operation is appended to it (and, with no
        // symbols, not performed).
        private SolvePlan? recording;
        private int planBits = -1;

        /// <summary>
        /// Working memory for blocks of up to maxK source symbols and maxExtra symbols beyond K',
        /// and the scratch for symbols of symbolSize bytes (one symbol, and the combination table
        /// within <see cref="CombineTableBytes"/> as it is now), so that no solve allocates.
        /// </summary>
        public Solver(int maxK, int maxExtra, int symbolSize) : this(maxK, maxExtra)
        {
            if (symbolSize < 1) throw new ArgumentOutOfRangeException("symbolSize");
            acc = new byte[symbolSize];
            int g = CombineBits(symbolSize);
            if (g >= 3) combos = new byte[symbolSize << g];
        }

        // The bits of a combination group for symbols of t bytes: the most within CombineTableBytes, up to 8.
        private static int CombineBits(int t)
        {
            int g = 8;
            while (g > 1 && ((long)t << g) > CombineTableBytes) g--;
            return g;
        }

        /// <summary>Working memory for blocks of up to maxK source symbols and maxExtra symbols beyond K' (the symbols' scratch is allocated by the first solve with symbols).</summary>
        public Solver(int maxK, int maxExtra)
        {
            SourceBlock big = new SourceBlock(maxK);
            maxL = big.L;
            maxRows = big.S + big.H + big.KPrime + maxExtra;
            int words = (maxL + 63) >> 6;
            bits = new ulong[maxRows * words];
            hdpc = new byte[big.H * maxL];
            rowDeg = new int[maxRows];
            rowOrig = new int[maxRows];
            rowState = new byte[maxRows];
            pivotCol = new int[maxRows];
            colState = new byte[maxL];
            colSlot = new int[maxL];
            order1 = new int[maxL];
            inactive = new int[maxL];
            residual = new int[maxL];
            colStart = new int[maxL + 1];
            colFill = new int[maxL];
            bucketHead = new int[maxL + 1];
            nextRow = new int[maxRows];
            prevRow = new int[maxRows];
            colRows = new int[3 * maxL + 3 * big.S + maxRows * SourceBlock.MaxRowWeight];
            activeMask = new ulong[words];
            inactiveMask = new ulong[words];
            int dn = big.H + DenseExtraRows;
            dense = new byte[dn * dn];
            denseSlot = new int[dn];
            MaxRows = maxRows;
        }

        /// <summary>Most rows (S + H + LT rows) one solve can take.</summary>
        public readonly int MaxRows;

        /// <summary>Bytes of working memory this solver holds (symbols not included): the sum of its arrays' elements, less the scratch sized by the first solve with symbols (one symbol, and <see cref="CombineTableBytes"/> at most).</summary>
        public long WorkingBytes
        {
            get
            {
                return (long)(bits.Length + activeMask.Length + inactiveMask.Length) * 8
                    + hdpc.Length + rowState.Length + colState.Length + dense.Length
                    + 4L * (rowDeg.Length + rowOrig.Length + pivotCol.Length + colSlot.Length + order1.Length
                        + inactive.Length + residual.Length + cols.Length + colStart.Length + colRows.Length
                        + colFill.Length + bucketHead.Length + nextRow.Length + prevRow.Length + denseSlot.Length + groupCols.Length);
            }
        }

        /// <summary>What <see cref="WorkingBytes"/> will be for a Solver(maxK, maxExtra), without building one.</summary>
        public static long WorkingBytesFor(int maxK, int maxExtra)
        {
            SourceBlock big = new SourceBlock(maxK);
            long l = big.L;
            long rows = big.S + big.H + big.KPrime + maxExtra;
            long words = (l + 63) >> 6;
            long dn = big.H + DenseExtraRows;
            long colRows = 3 * l + 3 * big.S + rows * SourceBlock.MaxRowWeight;
            return (rows * words + 2 * words) * 8 + big.H * l + rows + l + dn * dn
                + 4 * (5 * rows + 5 * l + SourceBlock.MaxRowWeight + 2 * (l + 1) + colRows + dn + 8);
        }

        /// <summary>
        /// Bytes a solver may use for the back-substitution's table of symbol combinations (up to
        /// 2^8 symbols): 0, the default, uses none (the ESP32 has no such memory to spare); the
        /// dotnet platform sets 256 KiB (<c>VectorSymbolOps.Install</c>). The result is the same
        /// either way; only the count of symbol XORs differs (about half for K ~ 1000).
        /// </summary>
        public static int CombineTableBytes;

        /// <summary>After a successful solve with symbols: the slot holding intermediate symbol C[col].</summary>
        public int SlotOf(int col) { return colSlot[col]; }

        /// <summary>
        /// Solves for block b with one LT row per isi[0..n) (rows S+H+j). With symbols, slot i of
        /// symbols (at symbolBase + i*symbolSize) is row i's right-hand side and is overwritten;
        /// afterwards <see cref="SlotOf"/> says where each C[col] is. Returns false when the rows
        /// do not determine C (then, without symbols, nothing was touched).
        /// </summary>
        public bool Solve(SourceBlock b, int[] isi, int n, byte[]? symbols, int symbolBase, int symbolSize)
        {
            blk = b;
            rows = b.S + b.H + n;
            if (rows > maxRows || b.L > maxL) throw new ArgumentException("block larger than this solver was sized for");
            sym = symbols!;
            symBase = symbolBase;
            t = symbolSize;
            withSymbols = symbols != null;
            if (rows < b.L) return false;
            Build(isi, n);
            Phase1();
            if (withSymbols) HdpcFromPhase1();
            Phase2Binary();
            if (!Phase2Dense()) return false;
            if (withSymbols) BackSubstitute();
            return true;
        }

        /// <summary>
        /// Records the symbol operations a solve of these rows performs, without symbols: the
        /// matrix work done once, for every block whose rows are the same (the encoder's: K'
        /// systematic rows, the same for every block of that K'). symbolSize decides, as in
        /// <see cref="Solve"/>, whether the back-substitution uses a combination table. The
        /// plan is allocated here (set-up); <see cref="SolvePlan.Apply(byte[], int, int, byte[])"/> then allocates nothing.
        /// Returns null when the rows do not determine C.
        /// </summary>
        public SolvePlan? Plan(SourceBlock b, int[] isi, int n, int symbolSize)
        {
            return Plan(b, isi, n, symbolSize, CombineBits(symbolSize));
        }

        /// <summary><see cref="Plan(SourceBlock, int[], int, int)"/> with the combination table's bits given (below 3: none), for tests.</summary>
        internal SolvePlan? Plan(SourceBlock b, int[] isi, int n, int symbolSize, int combineBits)
        {
            if (symbolSize < 1) throw new ArgumentOutOfRangeException("symbolSize");
            if (combineBits > 8) throw new ArgumentOutOfRangeException("combineBits");
            blk = b;
            rows = b.S + b.H + n;
            if (rows > maxRows || b.L > maxL) throw new ArgumentException("block larger than this solver was sized for");
            if (rows > SolvePlan.MaxSlots - 1 - 256) throw new ArgumentException("too many rows for a plan");
            sym = null!;
            symBase = 0;
            t = symbolSize;
            withSymbols = true;
            int g = combineBits;
            planBits = g;
            SolvePlan plan = new SolvePlan(b.KPrime, rows, b.L, 1 + (g >= 3 ? 1 << g : 0), 24 * rows);
            recording = plan;
            try
            {
                if (rows < b.L) return null;
                Build(isi, n);
                Phase1();
                HdpcFromPhase1();
                Phase2Binary();
                if (!Phase2Dense()) return null;
                BackSubstitute();
            }
            finally
            {
                recording = null;
                withSymbols = false;
                planBits = -1;
            }
            Array.Copy(colSlot, plan.slotOf, b.L);
            return plan;
        }

        // Symbol slots as a plan numbers them: rows 0..rows-1, then the running sum (acc), then the combination table.
        private int AccSlot { get { return rows; } }

        private int ComboSlot(int m) { return rows + 1 + m; }

        /// <summary>One symbol operation on slots: beta 0 copies src to dst, 1 XORs, else dst ^= beta * src, or with src == dst, dst *= beta.</summary>
        private void Emit(int dst, int src, byte beta)
        {
            if (recording != null) recording.Add(dst, src, beta);
            if (sym == null) return;
            byte[] d, s;
            int dOff, sOff;
            if (dst < rows) { d = sym; dOff = symBase + dst * t; }
            else if (dst == rows) { d = acc; dOff = 0; }
            else { d = combos; dOff = (dst - rows - 1) * t; }
            if (src < rows) { s = sym; sOff = symBase + src * t; }
            else if (src == rows) { s = acc; sOff = 0; }
            else { s = combos; sOff = (src - rows - 1) * t; }
            if (beta == 0) Array.Copy(s, sOff, d, dOff, t);
            else if (beta == 1) SymbolOps.Current.Xor(d, dOff, s, sOff, t);
            else if (dst == src) SymbolOps.Current.Scale(d, dOff, t, beta);
            else SymbolOps.Current.MulAdd(d, dOff, s, sOff, t, beta);
        }

        private bool Bit(int row, int col)
        {
            return ((bits[row * wd + (col >> 6)] >> (col & 63)) & 1UL) != 0;
        }

        private void Toggle(int row, int col)
        {
            bits[row * wd + (col >> 6)] ^= 1UL << (col & 63);
        }

        private void Build(int[] isi, int n)
        {
            SourceBlock b = blk;
            int L = b.L, S = b.S, H = b.H, W = b.W, P = b.P;
            wd = (L + 63) >> 6;
            Array.Clear(bits, 0, rows * wd);
            Array.Clear(hdpc, 0, H * L);

            // LDPC rows (5.3.3.3): G_LDPC,1, the identity I_S, G_LDPC,2.
            for (int i = 0; i < b.B; i++)
            {
                int a = 1 + i / S;
                int r = i % S;
                Toggle(r, i);
                r = (r + a) % S;
                Toggle(r, i);
                r = (r + a) % S;
                Toggle(r, i);
            }
            for (int i = 0; i < S; i++)
            {
                Toggle(i, b.B + i);
                Toggle(i, W + i % P);
                Toggle(i, W + (i + 1) % P);
            }

            // HDPC rows: MT·GAMMA computed column by column from the right, H1[:,j] = alpha·H1[:,j+1] + MT[:,j].
            int last = b.KPrime + S - 1;
            for (int h = 0; h < H; h++) hdpc[h * L + last] = Gf256.Exp[h];
            for (int j = last - 1; j >= 0; j--)
            {
                for (int h = 0; h < H; h++) hdpc[h * L + j] = Gf256.Mul(hdpc[h * L + j + 1], 2);
                int a = (int)SourceBlock.Rand((uint)(j + 1), 6, (uint)H);
                hdpc[a * L + j] ^= 1;
                a = (a + (int)SourceBlock.Rand((uint)(j + 1), 7, (uint)(H - 1)) + 1) % H;
                hdpc[a * L + j] ^= 1;
            }
            for (int h = 0; h < H; h++) hdpc[h * L + last + 1 + h] = 1;

            for (int j = 0; j < n; j++)
            {
                int row = S + H + j;
                int c = b.LtColumns((uint)isi[j], cols);
                for (int k = 0; k < c; k++) bits[row * wd + (cols[k] >> 6)] |= 1UL << (cols[k] & 63);
            }

            // Column and row state: the PI columns W..L-1 start inactive.
            Array.Clear(activeMask, 0, wd);
            Array.Clear(inactiveMask, 0, wd);
            nInactive = 0;
            for (int c = 0; c < L; c++)
            {
                if (c < W)
                {
                    colState[c] = 0;
                    activeMask[c >> 6] |= 1UL << (c & 63);
                }
                else
                {
                    colState[c] = 2;
                    inactiveMask[c >> 6] |= 1UL << (c & 63);
                    inactive[nInactive++] = c;
                }
            }
            for (int r = 0; r < rows; r++)
            {
                if (r >= S && r < S + H) { rowState[r] = 3; continue; }
                rowState[r] = 0;
                int d = 0;
                for (int w = 0; w < wd; w++) d += PopCount(bits[r * wd + w] & activeMask[w]);
                rowDeg[r] = d;
                rowOrig[r] = d;
            }
            // Column lists of the active columns (CSR): count, prefix-sum, fill.
            Array.Clear(colStart, 0, W + 1);
            for (int r = 0; r < rows; r++)
            {
                if (rowState[r] != 0) continue;
                for (int w = 0; w < wd; w++)
                {
                    ulong m = bits[r * wd + w] & activeMask[w];
                    while (m != 0)
                    {
                        colStart[(w << 6) + TrailingZeros(m) + 1]++;
                        m &= m - 1;
                    }
                }
            }
            for (int c = 0; c < W; c++) colStart[c + 1] += colStart[c];
            for (int c = 0; c < W; c++) colFill[c] = colStart[c];
            for (int r = 0; r < rows; r++)
            {
                if (rowState[r] != 0) continue;
                for (int w = 0; w < wd; w++)
                {
                    ulong m = bits[r * wd + w] & activeMask[w];
                    while (m != 0)
                    {
                        int c = (w << 6) + TrailingZeros(m);
                        colRows[colFill[c]++] = r;
                        m &= m - 1;
                    }
                }
            }
            for (int d = 0; d <= W; d++) bucketHead[d] = -1;
            for (int r = rows - 1; r >= 0; r--)
                if (rowState[r] == 0 && rowDeg[r] > 0) BucketInsert(r);
            minBucket = 1;
            n1 = 0;
            nResidual = 0;
        }

        private void BucketInsert(int r)
        {
            int d = rowDeg[r];
            int h = bucketHead[d];
            nextRow[r] = h;
            prevRow[r] = -1;
            if (h >= 0) prevRow[h] = r;
            bucketHead[d] = r;
            if (d < minBucket) minBucket = d;
        }

        private void BucketRemove(int r)
        {
            int p = prevRow[r], q = nextRow[r];
            if (p >= 0) nextRow[p] = q;
            else bucketHead[rowDeg[r]] = q;
            if (q >= 0) prevRow[q] = p;
        }

        /// <summary>One fewer active non-zero in open row r.</summary>
        private void Decrement(int r)
        {
            BucketRemove(r);
            rowDeg[r]--;
            if (rowDeg[r] > 0) BucketInsert(r);
        }

        private void Phase1()
        {
            int S = blk.S, H = blk.H;
            while (true)
            {
                int W = blk.W;
                while (minBucket <= W && bucketHead[minBucket] < 0) minBucket++;
                if (minBucket > W) break;
                int best = bucketHead[minBucket];
                BucketRemove(best);
                rowState[best] = 1;

                int pivot = -1;
                int rb = best * wd;
                for (int w = 0; w < wd; w++)
                {
                    ulong m = bits[rb + w] & activeMask[w];
                    while (m != 0)
                    {
                        int c = (w << 6) + TrailingZeros(m);
                        m &= m - 1;
                        if (pivot < 0) pivot = c;
                        else Inactivate(c);
                    }
                }

                colState[pivot] = 1;
                activeMask[pivot >> 6] &= ~(1UL << (pivot & 63));
                colSlot[pivot] = best;
                pivotCol[best] = pivot;
                order1[n1++] = best;

                for (int k = colStart[pivot]; k < colStart[pivot + 1]; k++)
                {
                    int q = colRows[k];
                    if (rowState[q] != 0) continue;
                    XorRow(q, best);
                    Decrement(q);
                }
                ClearFromHdpc(best, pivot, S, H, false);
            }
        }

        private void Inactivate(int c)
        {
            colState[c] = 2;
            activeMask[c >> 6] &= ~(1UL << (c & 63));
            inactiveMask[c >> 6] |= 1UL << (c & 63);
            inactive[nInactive++] = c;
            for (int k = colStart[c]; k < colStart[c + 1]; k++)
            {
                int r = colRows[k];
                if (rowState[r] == 0) Decrement(r);
            }
        }

        private void XorRow(int dst, int src)
        {
            int d = dst * wd, s = src * wd;
            for (int w = 0; w < wd; w++) bits[d + w] ^= bits[s + w];
            if (withSymbols) Emit(dst, src, 1);
        }

        /// <summary>Adds the multiple of binary row src that clears column col from every HDPC row.</summary>
        /// <remarks>In phase 1 only the matrix is cleared (symbols false): <see cref="HdpcFromPhase1"/> adds the symbols' share after it.</remarks>
        private void ClearFromHdpc(int src, int col, int S, int H, bool symbols)
        {
            int L = blk.L;
            int sb = src * wd;
            for (int h = 0; h < H; h++)
            {
                int hb = h * L;
                byte beta = hdpc[hb + col];
                if (beta == 0) continue;
                for (int w = 0; w < wd; w++)
                {
                    ulong m = bits[sb + w];
                    while (m != 0)
                    {
                        hdpc[hb + (w << 6) + TrailingZeros(m)] ^= beta;
                        m &= m - 1;
                    }
                }
                if (symbols) Emit(S + h, src, beta);
            }
        }

        /// <summary>
        /// The HDPC rows' symbols after phase 1, without one GF(256) multiply-add per pivot and
        /// HDPC row: phase 1 added beta * D[p] to HDPC row h for each pivot row p, where beta is
        /// the original G_HDPC[h][pivot of p] (a pivot row has no other pivot's column, so the
        /// clearing of one pivot never changes another's coefficient). G_HDPC = MT * GAMMA
        /// (5.3.3.3), so that sum is sum over i of MT[h][i] * F[i] with F[i] = alpha * F[i-1] +
        /// E[i], E[j] = D[p] where column j is p's pivot (0 elsewhere): one running symbol scaled
        /// by alpha and two XORs per column (MT has two ones a column, alpha^h in the last).
        /// </summary>
        private void HdpcFromPhase1()
        {
            if (sym != null && acc.Length < t) acc = new byte[t];
            int S = blk.S, H = blk.H;
            int last = blk.KPrime + S - 1;
            int accSlot = AccSlot;
            bool any = false;
            for (int i = 0; i <= last; i++)
            {
                if (any) Emit(accSlot, accSlot, 2);
                if (colState[i] == 1)
                {
                    Emit(accSlot, colSlot[i], any ? (byte)1 : (byte)0);
                    any = true;
                }
                if (!any) continue;
                if (i < last)
                {
                    int a = (int)SourceBlock.Rand((uint)(i + 1), 6, (uint)H);
                    Emit(S + a, accSlot, 1);
                    a = (a + (int)SourceBlock.Rand((uint)(i + 1), 7, (uint)(H - 1)) + 1) % H;
                    Emit(S + a, accSlot, 1);
                }
                else
                {
                    Emit(S, accSlot, 1);
                    for (int h = 1; h < H; h++) Emit(S + h, accSlot, Gf256.Exp[h]);
                }
            }
        }

        private void Phase2Binary()
        {
            int S = blk.S, H = blk.H;
            for (int k = 0; k < nInactive; k++)
            {
                int x = inactive[k];
                int xw = x >> 6;
                ulong xm = 1UL << (x & 63);
                int q = -1;
                for (int r = 0; r < rows; r++)
                {
                    if (rowState[r] == 0 && (bits[r * wd + xw] & xm) != 0) { q = r; break; }
                }
                if (q < 0)
                {
                    residual[nResidual++] = x;
                    continue;
                }
                rowState[q] = 2;
                pivotCol[q] = x;
                colSlot[x] = q;
                for (int p = 0; p < rows; p++)
                {
                    if (p == q) continue;
                    byte st = rowState[p];
                    if ((st == 0 || st == 2) && (bits[p * wd + xw] & xm) != 0) XorRow(p, q);
                }
                ClearFromHdpc(q, x, S, H, withSymbols);
            }
        }

        private bool Phase2Dense()
        {
            int nr = nResidual;
            if (nr == 0) return true;
            int S = blk.S, H = blk.H, L = blk.L;
            int cap = H + DenseExtraRows;
            if (nr > cap) return false;
            int nd = 0;
            for (int h = 0; h < H; h++)
            {
                for (int j = 0; j < nr; j++) dense[nd * nr + j] = hdpc[h * L + residual[j]];
                denseSlot[nd++] = S + h;
            }
            for (int r = 0; r < rows && nd < cap; r++)
            {
                if (rowState[r] != 0) continue;
                bool any = false;
                for (int j = 0; j < nr; j++)
                {
                    bool on = Bit(r, residual[j]);
                    dense[nd * nr + j] = on ? (byte)1 : (byte)0;
                    any |= on;
                }
                if (any) denseSlot[nd++] = r;
            }
            if (nd < nr) return false;

            for (int j = 0; j < nr; j++)
            {
                int p = j;
                while (p < nd && dense[p * nr + j] == 0) p++;
                if (p == nd) return false;
                if (p != j)
                {
                    for (int k = 0; k < nr; k++)
                    {
                        byte tmp = dense[p * nr + k];
                        dense[p * nr + k] = dense[j * nr + k];
                        dense[j * nr + k] = tmp;
                    }
                    int ts = denseSlot[p];
                    denseSlot[p] = denseSlot[j];
                    denseSlot[j] = ts;
                }
                byte alpha = dense[j * nr + j];
                if (alpha != 1)
                {
                    byte inv = Gf256.Inv(alpha);
                    for (int k = 0; k < nr; k++) dense[j * nr + k] = Gf256.Mul(dense[j * nr + k], inv);
                    if (withSymbols) Emit(denseSlot[j], denseSlot[j], inv);
                }
                for (int i = 0; i < nd; i++)
                {
                    if (i == j) continue;
                    byte g = dense[i * nr + j];
                    if (g == 0) continue;
                    for (int k = 0; k < nr; k++) dense[i * nr + k] ^= Gf256.Mul(g, dense[j * nr + k]);
                    if (withSymbols) Emit(denseSlot[i], denseSlot[j], g);
                }
                colSlot[residual[j]] = denseSlot[j];
            }
            return true;
        }

        private void BackSubstitute()
        {
            for (int r = 0; r < rows; r++)
            {
                if (rowState[r] != 2) continue;
                int own = pivotCol[r];
                for (int w = 0; w < wd; w++)
                {
                    ulong m = bits[r * wd + w];
                    while (m != 0)
                    {
                        int c = (w << 6) + TrailingZeros(m);
                        m &= m - 1;
                        if (c != own) Emit(r, colSlot[c], 1);
                    }
                }
            }
            int g = planBits >= 0 ? planBits : CombineBits(t);
            if (g < 3)
            {
                for (int k = 0; k < n1; k++)
                {
                    int r = order1[k];
                    for (int w = 0; w < wd; w++)
                    {
                        ulong m = bits[r * wd + w] & inactiveMask[w];
                        while (m != 0)
                        {
                            int c = (w << 6) + TrailingZeros(m);
                            m &= m - 1;
                            Emit(r, colSlot[c], 1);
                        }
                    }
                }
                return;
            }
            // Every phase-1 row adds the inactive columns' symbols it holds (its only other
            // non-zero is its pivot). Taken g columns at a time, a row needs one XOR of a
            // precomputed sum of its columns in the group (the 2^g sums cost one XOR each) instead
            // of one per column it holds ("four Russians"); a group with too few non-zeros to pay
            // for its table is added column by column.
            if (sym != null && combos.Length < t << g) combos = new byte[t << g];
            for (int k0 = 0; k0 < nInactive; k0 += g)
            {
                int gn = nInactive - k0 < g ? nInactive - k0 : g;
                for (int b = 0; b < gn; b++) groupCols[b] = inactive[k0 + b];
                int ones = 0;
                for (int k = 0; k < n1; k++)
                {
                    int r = order1[k] * wd;
                    for (int b = 0; b < gn; b++)
                        if (((bits[r + (groupCols[b] >> 6)] >> (groupCols[b] & 63)) & 1UL) != 0) ones++;
                }
                int size = 1 << gn;
                bool table = ones > 2 * size + n1;
                if (table)
                {
                    for (int m = 3; m < size; m++)
                    {
                        if ((m & (m - 1)) == 0) continue;
                        int high = 31 - LeadingZeros((uint)m);
                        int rest = m & ~(1 << high);
                        if ((rest & (rest - 1)) == 0) Emit(ComboSlot(m), colSlot[groupCols[TrailingZeros((ulong)rest)]], 0);
                        else Emit(ComboSlot(m), ComboSlot(rest), 0);
                        Emit(ComboSlot(m), colSlot[groupCols[high]], 1);
                    }
                }
                for (int k = 0; k < n1; k++)
                {
                    int r = order1[k];
                    int rb = r * wd;
                    int m = 0;
                    for (int b = 0; b < gn; b++)
                        if (((bits[rb + (groupCols[b] >> 6)] >> (groupCols[b] & 63)) & 1UL) != 0) m |= 1 << b;
                    if (m == 0) continue;
                    if (table && (m & (m - 1)) != 0)
                    {
                        Emit(r, ComboSlot(m), 1);
                        continue;
                    }
                    while (m != 0)
                    {
                        int b = TrailingZeros((ulong)m);
                        m &= m - 1;
                        Emit(r, colSlot[groupCols[b]], 1);
                    }
                }
            }
        }

        private static int LeadingZeros(uint x)
        {
            int n = 0;
            while (n < 32 && (x & 0x80000000u) == 0) { x <<= 1; n++; }
            return n;
        }

        private static int PopCount(ulong x)
        {
            x -= (x >> 1) & 0x5555555555555555UL;
            x = (x & 0x3333333333333333UL) + ((x >> 2) & 0x3333333333333333UL);
            x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FUL;
            return (int)((x * 0x0101010101010101UL) >> 56);
        }

        private static readonly byte[] DeBruijn =
        {
            0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4,
            62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
            63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
            46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9, 13, 8, 7, 6,
        };

        private static int TrailingZeros(ulong x)
        {
            return DeBruijn[(int)(((x & (0UL - x)) * 0x03F79D71B4CB0A89UL) >> 58)];
        }
    }

    /// <summary>
    /// The symbol operations of one solve, recorded by <see cref="Solver.Plan(SourceBlock, int[], int, int)"/> from the matrix
    /// alone: replayed over a block's symbols they give exactly what <see cref="Solver.Solve"/>
    /// would, without the elimination. The encoder's rows depend only on K', so every block of
    /// that K' replays one plan.
    /// </summary>
    /// <remarks>
    /// An operation is one int (destination slot &lt;&lt; 16 | source slot) and one byte (0 copy,
    /// 1 XOR, else a GF(256) multiply-add, or a scaling where source is destination). Slots
    /// 0..Slots-1 are the block's rows, the rest scratch (a running sum and the combination
    /// table). Replaying a stripe of bytes of every symbol at a time (to keep the block in cache)
    /// was measured slower on dotnet than whole symbols (docs/performance.md), so a replay runs
    /// whole symbols.
    /// </remarks>
    public sealed class SolvePlan
    {
        /// <summary>Slots a plan can name (16 bits each).</summary>
        public const int MaxSlots = 65536;

        internal int[] pairs;
        internal byte[] betas;
        internal int count;
        internal readonly int[] slotOf;
        private readonly int kPrime;
        private readonly int slots;
        private readonly int scratchSlots;

        internal SolvePlan(int kPrime, int slots, int l, int scratchSlots, int capacity)
        {
            this.kPrime = kPrime;
            this.slots = slots;
            this.scratchSlots = scratchSlots;
            slotOf = new int[l];
            pairs = new int[capacity];
            betas = new byte[capacity];
        }

        /// <summary>K' of the blocks this plan solves.</summary>
        public int KPrime { get { return kPrime; } }

        /// <summary>The rows (symbols) of a block this plan works on: L for the encoder's.</summary>
        public int Slots { get { return slots; } }

        /// <summary>Symbol operations in one replay.</summary>
        public int Operations { get { return count; } }

        /// <summary>Bytes the plan holds (its operations and the final permutation).</summary>
        public long Bytes { get { return 5L * pairs.Length + 4L * slotOf.Length; } }

        /// <summary>After a replay: the slot holding intermediate symbol C[col].</summary>
        public int SlotOf(int col) { return slotOf[col]; }

        internal void Add(int dst, int src, byte beta)
        {
            if (count == pairs.Length)
            {
                int[] p = new int[count * 2];
                byte[] b = new byte[count * 2];
                Array.Copy(pairs, p, count);
                Array.Copy(betas, b, count);
                pairs = p;
                betas = b;
            }
            pairs[count] = dst << 16 | src;
            betas[count] = beta;
            count++;
        }

        /// <summary>Scratch bytes <see cref="Apply(byte[], int, int, byte[])"/> needs for symbols of symbolSize bytes (one per thread replaying).</summary>
        public int ScratchBytes(int symbolSize) { return scratchSlots * symbolSize; }

        /// <summary>
        /// Replays the plan over one block: slot i at symbols[symbolBase + i*symbolSize] holds row
        /// i's right-hand side (for the encoder: S + H zero rows, then the K' source symbols) and
        /// afterwards what <see cref="SlotOf"/> says. scratch: at least <see cref="ScratchBytes"/>.
        /// Allocates nothing; plans are read-only, so threads may replay one at once (each with its own scratch).
        /// </summary>
        public void Apply(byte[] symbols, int symbolBase, int symbolSize, byte[] scratch)
        {
            Apply(symbols, symbolBase, symbolSize, scratch, SymbolOps.Current);
        }

        /// <summary><see cref="Apply(byte[], int, int, byte[])"/> with the arithmetic given (tests).</summary>
        internal void Apply(byte[] symbols, int symbolBase, int symbolSize, byte[] scratch, ISymbolOps ops)
        {
            int t = symbolSize, rows = slots;
            if (scratch == null || scratch.Length < scratchSlots * t) throw new ArgumentException("scratch smaller than ScratchBytes");
            if (symbolBase < 0 || (long)symbolBase + (long)rows * t > symbols.Length) throw new ArgumentException("symbols shorter than the plan's slots");
            int[] p = pairs;
            byte[] be = betas;
            for (int i = 0; i < count; i++)
            {
                int dst = (int)((uint)p[i] >> 16), src = p[i] & 0xffff;
                byte[] d = symbols, s = symbols;
                int dOff = symbolBase + dst * t, sOff = symbolBase + src * t;
                if (dst >= rows) { d = scratch; dOff = (dst - rows) * t; }
                if (src >= rows) { s = scratch; sOff = (src - rows) * t; }
                byte b = be[i];
                if (b == 1) ops.Xor(d, dOff, s, sOff, t);
                else if (b == 0) Array.Copy(s, sOff, d, dOff, t);
                else if (dst == src) ops.Scale(d, dOff, t, b);
                else ops.MulAdd(d, dOff, s, sOff, t, b);
            }
        }
    }
}
