import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DashboardAssets, type DashboardAsset } from './dashboard-assets';

// Security headers (CSP, nosniff, frame-ancestors, no Referer) come from hardenHttp, for
// every route; a page and its files are revalidated so a rebuild shows at once.
const CACHE_HEADERS: Readonly<Record<string, string>> = { 'Cache-Control': 'no-cache' };

/**
 * Serves the built dashboard (tools/dashboard/build.js) at /dashboard/ without a token:
 * static files only. The page then calls /graphql with the user's bearer token.
 */
@Controller('dashboard')
export class DashboardController {
  constructor(private readonly assets: DashboardAssets) {}

  @Get()
  async index(@Req() req: Request, @Res() res: Response): Promise<void> {
    // The page loads its files relative to /dashboard/; without the slash they would
    // resolve against the root.
    if (!req.path.endsWith('/')) {
      res.redirect(301, 'dashboard/');
      return;
    }
    await this.send(res, 'index.html');
  }

  @Get(':asset')
  asset(@Param('asset') name: string, @Res() res: Response): Promise<void> {
    return this.send(res, name);
  }

  private async send(res: Response, name: string): Promise<void> {
    const asset: DashboardAsset | undefined = await this.assets.read(name);
    if (asset === undefined) {
      const hint =
        name === 'index.html'
          ? 'the dashboard is not built: run `npm run build` (or node tools/dashboard/build.js)'
          : 'no such file';
      res.status(404).type('text/plain').send(hint);
      return;
    }
    res.status(200).set(CACHE_HEADERS).type(asset.contentType).send(asset.body);
  }
}
